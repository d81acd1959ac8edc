"""An agreement's review reminder leads to the agreement, for whoever still reads them."""

from django.urls import reverse

from notifications.subjects import register as register_subject
from sharing.permissions import can


def register() -> None:
    register_subject(
        "sharing_agreement",
        visible=lambda user, ids: ids if can(user, "agreement.view") else [],
        url=lambda pk: reverse("sharing:agreement", kwargs={"agreement_id": pk}),
    )
