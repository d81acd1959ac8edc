"""The home page's panel of partnership figures, for everyone who may read them: the
analyst's whole work, and a way in for coordinators, information governance and admins."""

from core.navigation import register_worklist
from figures.permissions import can
from figures.report import figure_sets


def figures_panel(user) -> dict | None:
    sets = figure_sets()
    return {"sets": sets} if sets else None


def register() -> None:
    register_worklist(
        key="partnership_figures",
        order=90,
        template="figures/worklists/figures.html",
        can_use=lambda user: can(user, "figures.view"),
        build=figures_panel,
    )
