"""Writes to organisations and memberships. Each keeps the user's groups in step."""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from core.errors import field_error
from partners.models import Membership, Organisation, OrganisationType, User
from partners.roles import ORGANISATION_GROUP_PREFIX, Role, role_group_name
from partners.selectors import forget_memberships, user_has_role


def _with_history(instance, *, actor: User | None, reason: str):
    instance._history_user = actor
    instance._change_reason = reason
    return instance


def require_admin(actor: User | None) -> None:
    """Partner administration is for the admin role; ``None`` is the system itself."""
    # actor None is the system itself (migrations, seed_demo), never a request.
    if actor is not None and not user_has_role(actor, Role.ADMIN):
        raise PermissionDenied("Only an administrator can change memberships")


@transaction.atomic
def organisation_create(
    *,
    name: str,
    code: str,
    organisation_type: str,
    area: str,
    actor: User | None,
    provides_social_care: bool = False,
    reason: str = "Organisation joined the partnership",
) -> Organisation:
    require_admin(actor)
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
    _with_history(organisation, actor=actor, reason=reason).save()
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
    *, user: User, organisation: Organisation, role: str, actor: User | None, reason: str = ""
) -> Membership:
    require_admin(actor)
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
    _with_history(membership, actor=actor, reason=reason or "Membership granted").save()
    _sync_user_groups(user)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, actor: User | None, reason: str) -> Membership:
    require_admin(actor)
    if not reason.strip():
        raise field_error("reason", "Say why this membership is ending", "required")
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.ended_at is not None:
        return membership
    membership.ended_at = timezone.now()
    _with_history(membership, actor=actor, reason=reason).save(update_fields=["ended_at"])
    _sync_user_groups(membership.user)
    return membership
