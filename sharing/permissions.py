"""Who may do what with the sharing rules, information sharing agreements and
outside-agreement approvals: one rule per operation (see ``core.permissions``).

The rule table is law and guidance, not anyone's personal data, but it is the partnership's
own reading of them: information governance officers review it, and coordinators read it
when they approve a lawful basis that names one of its rules.

Agreements are information governance's instruments: IG officers record, change, review and
end them. Coordinators, who arrange disclosures between partners, and administrators, who
add partners, may read them. Approving a disclosure that no agreement covers is an IG
officer's decision alone, and the approvals name the people they are about, so only IG
reads them.
"""

from core.permissions import RuleBook
from partners.roles import Role
from partners.selectors import active_memberships, user_has_role

rules = RuleBook("sharing")
can = rules.can
require = rules.require
allowed = rules.allowed

IG_ONLY = "Information governance officers only"
AGREEMENT_READERS = frozenset({Role.IG_OFFICER, Role.COORDINATOR, Role.ADMIN})


def _ig_officer(actor, obj=None) -> bool:
    return user_has_role(actor, Role.IG_OFFICER)


@rules.rule(
    "agreement.view",
    refusal="Only information governance, coordinators and administrators see agreements",
)
def _read_agreements(actor, obj=None) -> bool:
    return any(m.role in AGREEMENT_READERS for m in active_memberships(actor))


rules.rule("agreement.manage", refusal=IG_ONLY)(_ig_officer)
rules.rule("approval.view", refusal=IG_ONLY)(_ig_officer)
rules.rule("approval.record", refusal=IG_ONLY)(_ig_officer)

RULE_READERS = (Role.IG_OFFICER, Role.COORDINATOR)


@rules.rule(
    "sharing.rules_view",
    refusal="Information governance officers and coordinators read the sharing rules",
)
def _read_rules(actor, obj) -> bool:
    return any(user_has_role(actor, role) for role in RULE_READERS)
