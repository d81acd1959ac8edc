"""Who may manage API tokens: one rule per operation (see ``core.permissions``)."""

from api.models import ApiToken
from core.permissions import RuleBook
from partners.roles import Role
from partners.selectors import user_has_role

rules = RuleBook("api")
can = rules.can
require = rules.require


@rules.rule("api_token.manage_any", refusal="Only an administrator can manage others' tokens")
def _manage_any(actor, obj=None) -> bool:
    return user_has_role(actor, Role.ADMIN)


@rules.rule("api_token.revoke", refusal="Only the token's owner or an administrator can revoke it")
def _revoke(actor, token: ApiToken) -> bool:
    return token.user_id == actor.pk or _manage_any(actor)
