"""Who may do what to a panel meeting, a case and their parts: one rule per operation.

Rules read the actor's capacity (``cases.selectors.meeting_capacities`` and
``case_capacities``), never the object's state: a closed meeting or case is the service's to
refuse with a 409. Services call ``require``; the web page and the API endpoint of each
operation call the same ``require`` before reading the request body (so a refused user
gets 403, not a 400 about their input); pages ask ``can``/``allowed`` what to offer.
"""

from cases.models import CaseStatus
from cases.selectors import case_capacities, meeting_capacities, owns_panel_actions
from core.permissions import RuleBook
from partners.roles import Role
from partners.selectors import areas_where, covered_areas, user_can

rules = RuleBook("cases")
can = rules.can
require = rules.require
allowed = rules.allowed

CASE_MANAGERS = {"lead", "coordinator"}

# Which case statuses each operation is open in. Not part of the permission: someone allowed
# to close a case who asks after it was closed is told of a conflict (409), not refused
# (403). The services refuse by this table; pages offer only what it allows.
CASE_OPEN_IN: dict[str, tuple[str, ...]] = {
    "case.share": (CaseStatus.OPEN,),
    "case.review": (CaseStatus.OPEN,),
    "case.close": (CaseStatus.OPEN,),
    "case.reopen": (CaseStatus.CLOSED,),
}


def case_open_for(case, action: str) -> bool:
    """Whether the case's status lets ``action`` happen (for anyone allowed to)."""
    statuses = CASE_OPEN_IN.get(action)
    return statuses is None or case.status in statuses


def offered(actor, case, actions) -> dict[str, bool]:
    """What a case page may offer: allowed for this actor and open in this status, keyed by
    verb (``offered(...)["close"]``)."""
    return {
        action.rsplit(".", 1)[-1]: can(actor, action, case) and case_open_for(case, action)
        for action in actions
    }


# --- Panel meetings ----------------------------------------------------------------------


@rules.rule("meeting.arrange", refusal="Only a coordinator of the area arranges its panel")
def _arrange(actor, area) -> bool:
    """``area`` is where the panel meets: its coordinators arrange it (a countywide panel
    takes both areas' referrals, so it needs a coordinator of both). Without an area: does
    the actor arrange panels anywhere (what the planner offers, and the check made before a
    request body is read)."""
    coordinated = areas_where(actor, {Role.COORDINATOR})
    if area is None:
        return bool(coordinated)
    return covered_areas(area) <= coordinated


def _chair(actor, meeting) -> bool:
    return "chair" in meeting_capacities(actor, meeting)


@rules.rule("meeting.list", refusal="Panel meetings are for coordinators and panel members")
def _meeting_list(actor, obj=None) -> bool:
    return user_can(actor, "cases.view_panelmeeting")


@rules.rule("case.list", refusal="Your role does not work on cases")
def _case_list(actor, obj=None) -> bool:
    return user_can(actor, "cases.view_case")


for _verb, _doing in (
    ("start", "start"),
    ("close", "close"),
    ("reopen", "reopen"),
    ("decide", "record or amend decisions of"),
):
    rules.rule(f"meeting.{_verb}", refusal=f"Only the chair may {_doing} the meeting")(_chair)


@rules.rule(
    "meeting.attendance", refusal="The chair or a coordinator of the area records attendance"
)
def _attendance(actor, meeting) -> bool:
    return bool(meeting_capacities(actor, meeting) & {"chair", "coordinator"})


@rules.rule(
    "action.complete", refusal="The action's owner, the chair or a coordinator marks it done"
)
def _complete_action(actor, action) -> bool:
    return action.owner_id == actor.pk or bool(
        meeting_capacities(actor, action.decision.meeting) & {"chair", "coordinator"}
    )


@rules.rule("action.mine", refusal="You own no panel actions")
def _own_actions(actor, obj=None) -> bool:
    """Whether the actor has a "my actions" list: they own an action of some panel, on the
    meeting or not (the owner marks it done: ``action.complete``)."""
    return owns_panel_actions(actor)


# --- Cases -------------------------------------------------------------------------------


def _manages(actor, case) -> bool:
    return bool(case_capacities(actor, case) & CASE_MANAGERS)


for _verb in ("share", "unshare", "review", "close", "reopen"):
    rules.rule(
        f"case.{_verb}",
        refusal=f"Only the lead professional or a coordinator may {_verb} this case",
    )(_manages)


@rules.rule(
    "case.note",
    refusal="The lead professional, a coordinator or a caseworker the case is shared with "
    "adds notes",
)
def _note(actor, case) -> bool:
    return bool(case_capacities(actor, case) & {*CASE_MANAGERS, "shared_caseworker"})


@rules.rule("note.edit", refusal="Only the author may edit a note")
def _edit_note(actor, note) -> bool:
    # Who, not when: past the 24-hour window the note is refused by the service (409), as
    # its state, and the author adds a correction instead.
    return note.author_id == actor.pk
