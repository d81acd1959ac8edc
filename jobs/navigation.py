from core.navigation import register_section
from jobs.permissions import can


def register() -> None:
    register_section(
        label="Background jobs",
        url_name="jobs:page",
        order=72,
        can_use=lambda user: can(user, "jobs.view"),
    )
