from core.navigation import register_section
from partners.permissions import can


def register() -> None:
    register_section(
        label="Administration",
        url_name="users",
        order=70,
        can_use=lambda user: can(user, "membership.manage"),
    )
