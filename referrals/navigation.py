from core.navigation import register_section
from referrals.permissions import can


def register() -> None:
    register_section(
        label="Referrals",
        url_name="referrals:list",
        order=10,
        can_use=lambda user: can(user, "referral.list"),
    )
    register_section(
        label="Screening",
        url_name="referrals:screening",
        order=15,
        can_use=lambda user: can(user, "referral.screening_queue"),
    )
