"""Who may do what to a referral, by the capacity they act in (see
``referrals.selectors.referral_capacities``). Services enforce these; views ask first, so a
refused user is told so before their request body is even read."""

from django.core.exceptions import PermissionDenied

from partners.selectors import organisations_where_user_can
from referrals.selectors import people_visible_to, referral_capacities

REFERRAL_ACTIONS: dict[str, set[str]] = {
    "change": {"referrer"},
    "submit": {"referrer"},
    "answer": {"referrer"},
    "withdraw": {"referrer"},
    "screen": {"coordinator"},
    "record_consent": {"referrer", "coordinator"},
    "decide_lawful_basis": {"coordinator"},
}


def require_referral_action(actor, referral, action: str) -> None:
    if not referral_capacities(actor, referral) & REFERRAL_ACTIONS[action]:
        raise PermissionDenied(f"Your role on this referral does not allow you to {action}")


def require_role_permission(actor, permission: str) -> None:
    """The actor holds, in some organisation, a role that carries the model permission."""
    if not organisations_where_user_can(actor, permission):
        raise PermissionDenied("Your role does not allow this")


def require_person_change(actor, person) -> None:
    """Visible is not enough: the actor's organisation must maintain the record."""
    editable = people_visible_to(actor, permission="referrals.change_person")
    if not editable.filter(pk=person.pk).exists():
        raise PermissionDenied("You may not change this person's details")
