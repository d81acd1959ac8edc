"""Who may do what to a referral, by the capacity they act in (see
``referrals.selectors.referral_capacities``). Services enforce these; views ask first, so a
refused user is told so before their request body is even read."""

from django.core.exceptions import PermissionDenied

from referrals.selectors import referral_capacities

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
