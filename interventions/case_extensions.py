"""What interventions adds to a case, through the extension points cases offers
(``cases.extensions``): allocations and contacts in the chronology, and the case page's
"Interventions" and "Distance travelled" section. Registered in ``InterventionsConfig.ready``
so that cases never imports interventions."""

from cases.extensions import CaseSection, register_case_section, register_timeline_source
from cases.selectors import latest_referral
from interventions.models import Allocation
from interventions.permissions import can
from interventions.selectors import (
    ALLOCATION_TIMELINE,
    CONTACT_TIMELINE,
    case_allocations,
    distance_travelled,
)
from referrals import permissions as referral_rules
from referrals.participation import taking_part_position


def interventions_section(request, case, state) -> dict:
    referral = latest_referral(case)
    return {
        # Whether delivery may go ahead: the person's agreement to take part, shown apart
        # from consent and lawful bases (changed on the referral's page).
        "referral": referral,
        "taking_part": taking_part_position(referral) if referral else None,
        "may_record_taking_part": referral is not None
        and referral_rules.can(request.user, "participation.record", referral),
        "allocations": case_allocations(case),
        "can_allocate": can(request.user, "allocation.create", Allocation(case=case)),
        "distance": distance_travelled(case),
    }


def register() -> None:
    register_timeline_source("interventions.allocations", ALLOCATION_TIMELINE)
    register_timeline_source("interventions.contacts", CONTACT_TIMELINE)
    register_case_section(
        CaseSection(
            name="interventions",
            context=interventions_section,
            template="interventions/_case_section.html",
            closure_template="interventions/_case_closure.html",
        )
    )
