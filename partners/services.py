"""Writes to organisations and memberships. Each keeps the user's groups in step.

Each takes an ``actor``: an administrator, or ``core.actors.SYSTEM`` for the seeder and
jobs. There is no silent "nobody": ``None`` is refused by the rule like anyone else.
"""

import datetime
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from core.actors import SystemActor
from core.errors import field_error
from core.history import with_history
from core.text import bounded_text
from partners.models import Membership, Organisation, OrganisationType, User
from partners.permissions import require
from partners.roles import ORGANISATION_GROUP_PREFIX, Role, role_group_name
from partners.selectors import forget_memberships

Actor = User | SystemActor


def _history_reason_length(model) -> int:
    """A reason is kept in the change history, whose column holds this much."""
    return model.history.model._meta.get_field("history_change_reason").max_length


@transaction.atomic
def organisation_create(
    *,
    name: str,
    code: str,
    organisation_type: str,
    area: str,
    actor: Actor,
    provides_social_care: bool = False,
    reason: str = "Organisation joined the partnership",
) -> Organisation:
    require(actor, "organisation.manage")
    if organisation_type not in OrganisationType.values:
        raise field_error(
            "organisation_type",
            f"Choose one of: {', '.join(OrganisationType.values)}",
            "invalid_choice",
        )
    organisation = Organisation(
        name=name,
        code=code,
        organisation_type=organisation_type,
        area=area,
        provides_social_care=provides_social_care,
    )
    # Validate (uniqueness included) before the group exists, so a refusal writes nothing.
    organisation.full_clean(exclude=["group"])
    organisation.group = Group.objects.create(name=f"{ORGANISATION_GROUP_PREFIX}{code}")
    with_history(organisation, actor=actor, reason=reason).save()
    return organisation


def _sync_user_groups(user: User) -> None:
    """A user belongs to the group of each role and each organisation they actively hold."""
    active = list(Membership.objects.active().filter(user=user).select_related("organisation"))
    wanted_names = {role_group_name(m.role) for m in active}
    wanted = list(Group.objects.filter(name__in=wanted_names)) + [
        m.organisation.group for m in active
    ]
    user.groups.set(wanted)
    forget_memberships(user)


@transaction.atomic
def membership_create(
    *, user: User, organisation: Organisation, role: str, actor: Actor, reason: str = ""
) -> Membership:
    require(actor, "membership.manage")
    if role not in Role.values:
        raise field_error("role", f"Unknown role {role!r}", "invalid_choice")
    if not organisation.active:
        raise field_error("organisation", "This organisation has left the partnership", "inactive")
    membership = (
        Membership.objects.active().filter(user=user, organisation=organisation, role=role).first()
    )
    if membership is not None:
        return membership
    membership = Membership(user=user, organisation=organisation, role=role)
    with_history(membership, actor=actor, reason=reason or "Membership granted").save()
    _sync_user_groups(user)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, actor: Actor, reason: str) -> Membership:
    require(actor, "membership.manage")
    reason = bounded_text(
        reason, field="reason", max_length=_history_reason_length(Membership), keep_lines=True
    )
    if not reason:
        raise field_error("reason", "Say why this membership is ending", "required")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.ended_at is not None:
        return membership
    membership.ended_at = timezone.now()
    with_history(membership, actor=actor, reason=reason).save(update_fields=["ended_at"])
    _sync_user_groups(membership.user)
    return membership


def prune_expired_sessions(*, now: datetime.datetime | None = None) -> int:
    """Delete expired sessions, as ``clearsessions`` does, counted for the routine's audit
    event (``clear_expired`` says nothing of how many). Sessions are kept in the database
    (Django's default engine), which the count relies on."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    deleted, _ = (
        store.get_model_class().objects.filter(expire_date__lt=now or timezone.now()).delete()
    )
    return deleted
