"""Who may do what to a case or a panel meeting, by capacity (see ``cases.selectors``).
Services enforce these; views ask first, before reading the request body."""

from django.core.exceptions import PermissionDenied

from cases.selectors import case_capacities, meeting_capacities

CASE_ACTIONS: dict[str, set[str]] = {
    "share": {"lead", "coordinator"},
    "unshare": {"lead", "coordinator"},
    "review": {"lead", "coordinator"},
    "note": {"lead", "coordinator", "shared_caseworker"},
    "close": {"lead", "coordinator"},
    "reopen": {"lead", "coordinator"},
    "allocate": {"lead", "coordinator"},
    "record_outcome": {"lead", "coordinator"},
}
MEETING_ACTIONS: dict[str, set[str]] = {
    "decide": {"chair"},
    "transition": {"chair"},
    "attendance": {"chair", "coordinator"},
    "complete_action": {"chair", "coordinator"},
}


def require_case_action(actor, case, action: str) -> set[str]:
    capacities = case_capacities(actor, case)
    if not capacities & CASE_ACTIONS[action]:
        raise PermissionDenied(f"Your role on this case does not allow you to {action}")
    return capacities


def require_meeting_action(actor, meeting, action: str) -> None:
    if not meeting_capacities(actor, meeting) & MEETING_ACTIONS[action]:
        raise PermissionDenied(f"Your role in this meeting does not allow you to {action}")
