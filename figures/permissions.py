"""Who sees the partnership's figures, and who imports the area measures beside them.

Figures are aggregates with small numbers suppressed, computed from de-identified facts:
analysts (whose role is figures and nothing else), coordinators, information governance and
administrators read them. Analysts and administrators import the Serious Violence Duty's
area-level measures. There is no unsuppressed path for any role.
"""

from core.permissions import RuleBook
from partners.roles import Role
from partners.selectors import active_memberships

rules = RuleBook("figures")
can = rules.can
require = rules.require
allowed = rules.allowed

FIGURE_READERS = frozenset({Role.ANALYST, Role.COORDINATOR, Role.IG_OFFICER, Role.ADMIN})
MEASURE_IMPORTERS = frozenset({Role.ANALYST, Role.ADMIN})


@rules.rule(
    "figures.view",
    refusal="Analysts, coordinators, information governance and administrators see figures",
)
def _read_figures(actor, obj=None) -> bool:
    return any(m.role in FIGURE_READERS for m in active_memberships(actor))


@rules.rule(
    "figures.measures_import",
    refusal="Analysts and administrators import the partnership's area measures",
)
def _import_measures(actor, obj=None) -> bool:
    return any(m.role in MEASURE_IMPORTERS for m in active_memberships(actor))
