"""The home page's panel and case worklists: the chair's next meeting, the lead
professional's overdue reviews, and the panel actions someone owns."""

from django.utils import timezone

from audit.recorder import listed
from cases.models import MeetingStatus, PanelAction
from cases.permissions import can
from cases.selectors import (
    AGENDA_SIZE_CAP,
    agenda_size,
    cases_visible_to,
    filter_overdue_review,
    meetings_visible_to,
    prevention_cases_past_age,
)
from core.navigation import WORKLIST_LENGTH, register_worklist


def chair_worklist(user) -> dict | None:
    """The next panel the person chairs, sits on or (as a coordinator) arranges."""
    meeting = (
        meetings_visible_to(user)
        .filter(
            status__in=[MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS],
            meets_at__date__gte=timezone.localdate(),
        )
        .order_by("meets_at")
        .first()
    )
    if meeting is None:
        return {"meeting": None}
    size = agenda_size(meeting)
    return {
        "meeting": meeting,
        "agenda_size": min(size, AGENDA_SIZE_CAP),
        "agenda_more": size > AGENDA_SIZE_CAP,
    }


def _listed_cases(user, cases) -> list:
    return listed(
        user,
        cases,
        object_type="case",
        person_of=lambda case: case.person_id,
        limit=WORKLIST_LENGTH,
    )


def lead_worklist(user) -> dict | None:
    overdue = filter_overdue_review(
        cases_visible_to(user).filter(lead_professional=user).select_related("person")
    ).order_by("next_review_date")
    shown = _listed_cases(user, overdue)
    if not shown:
        return None
    return {"overdue": shown, "overdue_count": overdue.count()}


def transition_worklist(user) -> dict | None:
    """Prevention cases whose person has turned 19: the lead professional and the area's
    coordinator are prompted to consider an adult pathway."""
    due = prevention_cases_past_age(user)
    if not due:
        return None
    shown = _listed_cases(user, due)
    return {"turned_19": shown, "turned_19_count": len(due)}


def actions_worklist(user) -> dict | None:
    """The panel actions someone owns, whether or not they sat on the meeting."""
    actions = PanelAction.objects.filter(owner=user, done_at__isnull=True)
    shown = list(actions.order_by("due_date", "pk")[:WORKLIST_LENGTH])
    if not shown:
        return None
    return {"actions": shown, "open_count": actions.count(), "today": timezone.localdate()}


def register() -> None:
    register_worklist(
        key="chair",
        order=30,
        template="cases/worklists/chair.html",
        can_use=lambda user: can(user, "meeting.list"),
        build=chair_worklist,
    )
    register_worklist(
        key="lead",
        order=40,
        template="cases/worklists/lead.html",
        can_use=lambda user: can(user, "case.list"),
        build=lead_worklist,
    )
    register_worklist(
        key="transition",
        order=42,
        template="cases/worklists/transition.html",
        can_use=lambda user: can(user, "case.list"),
        build=transition_worklist,
    )
    register_worklist(
        key="actions",
        order=45,
        template="cases/worklists/actions.html",
        can_use=lambda user: can(user, "action.mine"),
        build=actions_worklist,
    )
