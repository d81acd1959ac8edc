"""What a notification about a referral leads to, for whoever may still open it."""

from django.urls import reverse

from core.ids import parse_uuid
from notifications.subjects import register as register_subject
from referrals.selectors import referrals_visible_to


def _visible(user, ids) -> list[str]:
    wanted = [pk for pk in (parse_uuid(i) for i in ids) if pk is not None]
    found = referrals_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True)
    return [str(pk) for pk in found]


def register() -> None:
    register_subject(
        "referral",
        visible=_visible,
        url=lambda pk: reverse("referrals:detail", kwargs={"referral_id": pk}),
    )
