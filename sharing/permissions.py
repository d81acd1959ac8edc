"""Who may do what with the sharing rules: one rule per operation (see ``core.permissions``).

The rule table is law and guidance, not anyone's personal data, but it is the partnership's
own reading of them: information governance officers review it, and coordinators read it
when they approve a lawful basis that names one of its rules."""

from core.permissions import RuleBook
from partners.roles import Role
from partners.selectors import user_has_role

rules = RuleBook("sharing")
can = rules.can
require = rules.require

RULE_READERS = (Role.IG_OFFICER, Role.COORDINATOR)


@rules.rule(
    "sharing.rules_view",
    refusal="Information governance officers and coordinators read the sharing rules",
)
def _read_rules(actor, obj) -> bool:
    return any(user_has_role(actor, role) for role in RULE_READERS)
