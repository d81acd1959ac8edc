"""A break-glass notification leads IG to the person's access history while they are IG."""

from django.urls import reverse

from audit.permissions import can
from notifications.subjects import register as register_subject


def register() -> None:
    register_subject(
        "person_access",
        visible=lambda user, ids: ids if can(user, "audit.search") else [],
        url=lambda pk: reverse("audit:person", kwargs={"person_id": pk}),
    )
