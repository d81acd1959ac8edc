"""Who may do what to an allocation, by capacity (see
``interventions.selectors.allocation_capacities``). Services enforce these; views ask first."""

from django.core.exceptions import PermissionDenied

from interventions.selectors import allocation_capacities

ALLOCATION_ACTIONS: dict[str, set[str]] = {
    "offer": {"lead", "coordinator"},
    "accept": {"provider", "lead"},
    "decline": {"provider", "lead"},
    "start": {"provider"},
    "complete": {"provider"},
    "disengage": {"provider"},
    "withdraw": {"provider", "lead", "coordinator"},
    "cancel": {"lead", "coordinator"},
    "contact": {"provider"},
    "outcome": {"provider", "lead", "coordinator"},
}


def require_allocation_action(actor, allocation, action: str) -> None:
    if not allocation_capacities(actor, allocation) & ALLOCATION_ACTIONS[action]:
        raise PermissionDenied(f"Your role does not allow you to {action} this allocation")
