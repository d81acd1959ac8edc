"""What a notification about a case or a panel meeting leads to, for whoever may still
open it (a share ended, a panel role ended: no longer)."""

from django.urls import reverse

from cases.selectors import cases_visible_to, meetings_visible_to
from core.ids import parse_uuid
from notifications.subjects import register as register_subject


def _uuids(ids) -> list:
    return [pk for pk in (parse_uuid(i) for i in ids) if pk is not None]


def _visible_cases(user, ids) -> list[str]:
    found = cases_visible_to(user).filter(pk__in=_uuids(ids)).values_list("pk", flat=True)
    return [str(pk) for pk in found]


def _visible_meetings(user, ids) -> list[str]:
    found = meetings_visible_to(user).filter(pk__in=_uuids(ids)).values_list("pk", flat=True)
    return [str(pk) for pk in found]


def register() -> None:
    register_subject(
        "case",
        visible=_visible_cases,
        url=lambda pk: reverse("cases:case", kwargs={"case_id": pk}),
    )
    register_subject(
        "panel_meeting",
        visible=_visible_meetings,
        url=lambda pk: reverse("cases:meeting", kwargs={"meeting_id": pk}),
    )
