"""Who may do what to the catalogue, an allocation, its contacts and a case's outcomes: one
rule per operation, by capacity (``interventions.selectors.allocation_capacities``).

Rules read capacity, never state: an allocation in the wrong status is the service's to
refuse with a 409. Services call ``require``; the web page and the API endpoint of each
operation call the same ``require`` before reading the request body; pages ask
``can``/``allowed`` what to offer.
"""

from cases.selectors import case_capacities, meeting_capacities
from core.permissions import RuleBook
from interventions.selectors import (
    allocation_capacities,
    provider_allocation_on_case,
    provider_organisation_ids,
)
from partners.roles import Role
from partners.selectors import active_memberships, areas_where

rules = RuleBook("interventions")
can = rules.can
require = rules.require
allowed = rules.allowed

CASE_MANAGERS = {"lead", "coordinator"}

# Who may take each step of an allocation's life, by capacity; the steps themselves (from
# which status to which) are the service's (``interventions.services.TRANSITIONS``).
LIFECYCLE = {
    "offer": CASE_MANAGERS,
    "accept": {"provider", "lead"},
    "decline": {"provider", "lead"},
    "start": {"provider"},
    "complete": {"provider"},
    "disengage": {"provider"},
    "withdraw": {"provider", *CASE_MANAGERS},
    "cancel": CASE_MANAGERS,
    "contact": {"provider"},
}


def _by_capacity(capacities: set[str]):
    def rule(actor, allocation) -> bool:
        return bool(allocation_capacities(actor, allocation) & capacities)

    return rule


for _verb, _capacities in LIFECYCLE.items():
    rules.rule(
        f"allocation.{_verb}", refusal=f"Your role does not allow you to {_verb} this allocation"
    )(_by_capacity(_capacities))


@rules.rule(
    "allocation.create",
    refusal="The lead professional, a coordinator or the chair of the deciding panel allocates",
)
def _allocate(actor, allocation) -> bool:
    """``allocation`` is the one proposed (unsaved): its ``case`` and, when the chair
    allocates at panel, the ``decision`` that opened the case."""
    case = allocation.case
    if case_capacities(actor, case) & CASE_MANAGERS:
        return True
    decision = allocation.decision
    return (
        decision is not None
        and decision.case_id == case.pk
        and "chair" in meeting_capacities(actor, decision.meeting)
    )


@rules.rule(
    "outcome.record",
    refusal="The lead professional, a coordinator or a provider delivering to the case "
    "records outcomes",
)
def _record_outcome(actor, case) -> bool:
    return bool(case_capacities(actor, case) & CASE_MANAGERS) or (
        provider_allocation_on_case(actor, case) is not None
    )


@rules.rule("catalogue.manage", refusal="Coordinators manage the intervention catalogue")
def _manage_catalogue(actor, _obj) -> bool:
    return bool(areas_where(actor, {Role.COORDINATOR}))


@rules.rule("catalogue.view", refusal="You hold no role in the partnership")
def _view_catalogue(actor, _obj) -> bool:
    return bool(active_memberships(actor))


@rules.rule("caseload.view", refusal="The caseload is for provider keyworkers")
def _view_caseload(actor, _obj=None) -> bool:
    return bool(provider_organisation_ids(actor))
