from core.navigation import register_section
from sharing.permissions import can


def register() -> None:
    register_section(
        label="Sharing agreements",
        url_name="sharing:agreements",
        order=56,
        can_use=lambda user: can(user, "agreement.view"),
    )
    register_section(
        label="Sharing rules",
        url_name="sharing:rules",
        order=67,
        can_use=lambda user: can(user, "sharing.rules_view"),
    )
