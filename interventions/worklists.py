"""The home page's intervention worklists: a keyworker's caseload with missed contacts, and
the offers a lead professional is asked to accept on the person's behalf."""

from audit.recorder import listed
from cases import permissions as case_permissions
from core.navigation import WORKLIST_LENGTH, register_worklist
from interventions.models import AllocationStatus
from interventions.permissions import can
from interventions.selectors import allocations_visible_to, caseload, person_label


def _shown(user, allocations) -> list:
    return listed(
        user,
        allocations,
        object_type="allocation",
        person_of=lambda allocation: allocation.case.person_id,
        limit=WORKLIST_LENGTH,
    )


def keyworker_worklist(user) -> dict:
    in_hand = caseload(user)
    return {
        "in_hand": in_hand.count(),
        "missed": [
            (allocation, person_label(user, allocation))
            for allocation in _shown(user, in_hand.filter(missed_contacts_flag=True))
        ],
        "missed_count": in_hand.filter(missed_contacts_flag=True).count(),
    }


def offers_worklist(user) -> dict | None:
    offers = (
        allocations_visible_to(user)
        .filter(status=AllocationStatus.OFFERED, case__lead_professional=user)
        .select_related("intervention", "case__person")
        .order_by("status_changed_at")
    )
    shown = [(allocation, person_label(user, allocation)) for allocation in _shown(user, offers)]
    return {"offers": shown} if shown else None


def register() -> None:
    register_worklist(
        key="caseload",
        order=50,
        template="interventions/worklists/caseload.html",
        can_use=lambda user: can(user, "caseload.view"),
        build=keyworker_worklist,
    )
    register_worklist(
        key="offers",
        order=25,
        template="interventions/worklists/offers.html",
        can_use=lambda user: case_permissions.can(user, "case.list"),
        build=offers_worklist,
    )
