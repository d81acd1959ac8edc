"""Which people a user may see. Every read of a person goes through here.

A person is visible to a user when an organisation in which the user holds a role that
carries the permission has been granted it on that person (a django-guardian group
object permission on the organisation's group), or the user was granted it directly.
"""

import uuid

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from partners.models import User
from partners.selectors import organisations_where_user_can
from referrals.models import Person, PersonGroupObjectPermission, PersonUserObjectPermission


def people_visible_to(user: User, *, permission: str = "referrals.view_person") -> QuerySet:
    organisations = organisations_where_user_can(user, permission)
    if not organisations:
        return Person.objects.none()
    codename = permission.split(".", 1)[1]
    via_organisation = PersonGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        permission__codename=codename,
        permission__content_type__app_label="referrals",
        group_id__in=[organisation.group_id for organisation in organisations],
    )
    direct = PersonUserObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        permission__codename=codename,
        permission__content_type__app_label="referrals",
        user_id=user.pk,
    )
    return Person.objects.filter(Exists(via_organisation) | Exists(direct))


def person_get(user: User, person_id, *, permission: str = "referrals.view_person") -> Person:
    """The person, or 404 whether it does not exist or the user may not see it."""
    try:
        person_id = uuid.UUID(str(person_id))
    except ValueError as exc:
        raise Http404("No such person") from exc
    person = people_visible_to(user, permission=permission).filter(pk=person_id).first()
    if person is None:
        raise Http404("No such person")
    return person
