from audit.permissions import can
from core.navigation import register_section


def register() -> None:
    register_section(
        label="Find a person",
        url_name="audit:find-people",
        order=58,
        can_use=lambda user: can(user, "audit.find_people"),
    )
    register_section(
        label="Flagged access",
        url_name="audit:flags",
        order=60,
        can_use=lambda user: can(user, "audit.review"),
    )
    register_section(
        label="Audit",
        url_name="audit:search",
        order=65,
        can_use=lambda user: can(user, "audit.search"),
    )
