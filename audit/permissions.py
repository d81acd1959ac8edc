"""Who may do what with the audit trail: one rule per operation (see ``core.permissions``).

Information governance officers find people, search the trail, review flags, place and lift
legal holds, and prepare and release subject access exports; anyone with a role in the
partnership that works with people's records may break the glass (and is flagged for it at
once): not an analyst, who sees de-identified figures only.
"""

from core.permissions import RuleBook
from partners.roles import Role
from partners.selectors import active_memberships, user_has_role

rules = RuleBook("audit")
can = rules.can
require = rules.require
allowed = rules.allowed

IG_ONLY = "Information governance officers only"


def _ig_officer(actor, obj) -> bool:
    return user_has_role(actor, Role.IG_OFFICER)


rules.rule("audit.search", refusal=IG_ONLY)(_ig_officer)
rules.rule("audit.verify", refusal=IG_ONLY)(_ig_officer)
rules.rule("audit.review", refusal=IG_ONLY)(_ig_officer)
rules.rule("audit.hold", refusal=IG_ONLY)(_ig_officer)
rules.rule("audit.export", refusal=IG_ONLY)(_ig_officer)
rules.rule("audit.find_people", refusal=IG_ONLY)(_ig_officer)
rules.rule("audit.hold_lift", refusal=IG_ONLY)(_ig_officer)
rules.rule("audit.release", refusal=IG_ONLY)(_ig_officer)


@rules.rule("flag.review", refusal="Another IG officer must review your own access")
def _review_this_flag(actor, flag) -> bool:
    return _ig_officer(actor, flag) and flag.user_id != actor.pk


@rules.rule(
    "audit.break_glass",
    refusal="Only someone who works with people's records may break the glass",
)
def _break_glass(actor, person) -> bool:
    return any(m.role != Role.ANALYST for m in active_memberships(actor))
