from core.navigation import register_section
from figures.permissions import can


def register() -> None:
    register_section(
        label="Figures",
        url_name="figures:home",
        order=80,
        can_use=lambda user: can(user, "figures.view"),
    )
