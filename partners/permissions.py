"""Who may administer the partnership: organisations, memberships and second factors.

One rule per operation (see ``core.permissions``). Services call ``require``; API and web
views call the same ``require`` before reading a request body; pages ask ``can``.
"""

from core.permissions import RuleBook
from partners.roles import Role
from partners.selectors import user_has_role

rules = RuleBook("partners")
can = rules.can
require = rules.require


def _is_administrator(actor, obj=None) -> bool:
    return user_has_role(actor, Role.ADMIN)


rules.rule("organisation.manage", refusal="Only an administrator can change organisations")(
    _is_administrator
)
rules.rule("membership.manage", refusal="Only an administrator can change memberships")(
    _is_administrator
)
rules.rule(
    "two_factor.reset", refusal="Only an administrator can reset someone's two-factor sign-in"
)(_is_administrator)
