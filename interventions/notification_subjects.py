"""What a notification about an allocation leads to, for whoever may still open it."""

from django.urls import reverse

from core.ids import parse_int
from interventions.selectors import allocations_visible_to
from notifications.subjects import register as register_subject


def _visible(user, ids) -> list[str]:
    wanted = [pk for pk in (parse_int(i) for i in ids) if pk is not None]
    found = allocations_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True)
    return [str(pk) for pk in found]


def register() -> None:
    register_subject(
        "allocation",
        visible=_visible,
        url=lambda pk: reverse("interventions:allocation", kwargs={"allocation_id": pk}),
    )
