"""Who holds a role where: the people a notification goes to, read from the memberships
in force at the moment it is sent."""

from django.db.models import Q, QuerySet

from partners.models import Area, Membership, User


def holding(
    roles, *, area: str | None = None, organisation_id=None, organisation_ids=None
) -> QuerySet:
    """Active users holding one of ``roles`` in an active organisation: of ``area`` (a
    countywide organisation covers every area), of ``organisation_id``, or of one of
    ``organisation_ids``."""
    memberships = Membership.objects.active().filter(
        role__in=list(roles), organisation__active=True
    )
    if area is not None:
        memberships = memberships.filter(
            Q(organisation__area=area) | Q(organisation__area=Area.COUNTYWIDE)
        )
    if organisation_id is not None:
        memberships = memberships.filter(organisation_id=organisation_id)
    if organisation_ids is not None:
        memberships = memberships.filter(organisation_id__in=organisation_ids)
    return User.objects.filter(is_active=True, pk__in=memberships.values("user_id"))
