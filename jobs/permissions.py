"""Who runs the background jobs: administrators see the routine and its failures, retry a
failed job and start the on-demand ones. One rule per operation (see ``core.permissions``)."""

from core.permissions import RuleBook
from partners.roles import Role
from partners.selectors import user_has_role

rules = RuleBook("jobs")
can = rules.can
require = rules.require


def _is_administrator(actor, obj=None) -> bool:
    return user_has_role(actor, Role.ADMIN)


rules.rule("jobs.view", refusal="Only an administrator can see the background jobs")(
    _is_administrator
)
rules.rule("jobs.retry", refusal="Only an administrator can retry a failed job")(_is_administrator)
rules.rule("jobs.start", refusal="Only an administrator can start a job")(_is_administrator)
