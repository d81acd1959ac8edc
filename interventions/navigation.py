from core.navigation import register_section
from interventions.permissions import can


def register() -> None:
    register_section(
        label="Caseload",
        url_name="interventions:caseload",
        order=40,
        can_use=lambda user: can(user, "caseload.view"),
    )
    register_section(
        label="Interventions",
        url_name="interventions:catalogue",
        order=50,
        can_use=lambda user: can(user, "catalogue.view"),
    )
