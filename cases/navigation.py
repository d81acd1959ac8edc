from cases.permissions import can
from core.navigation import register_section


def register() -> None:
    register_section(
        label="Panels",
        url_name="cases:planner",
        order=20,
        can_use=lambda user: can(user, "meeting.list"),
    )
    register_section(
        label="Cases",
        url_name="cases:list",
        order=30,
        can_use=lambda user: can(user, "case.list"),
    )
    register_section(
        label="My actions",
        url_name="cases:my-actions",
        order=35,
        can_use=lambda user: can(user, "action.mine"),
    )
