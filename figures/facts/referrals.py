"""Referral facts: one row per submitted referral (drafts are not counted), following it from
submission through screening, the panel and the case to support started and finished.

Built for a batch of people with a fixed number of queries whatever the batch's size (the
referrals, the people, the returns in the referrals' history, the panel decisions with their
cases, the allocations, their history and their attended contacts), then assembled here.

What each column means:
- ``screening_outcome``: where screening left the referral. A referral the panel signposted
  was accepted at screening; one withdrawn before any decision counts as withdrawn; one sent
  back to screening (consent for panel lost) is not yet screened again.
- ``ever_returned``: its history holds a return to the referrer with questions.
- ``panel_outcome`` and ``decided_on``: its latest panel decision.
- ``case_opened_on``: when the panel opened a case for it (the decision's day, when it joined
  a case already open).
- Allocations counted are those of that case made from the decision on, so a referral that
  joined an open case is not credited with support arranged before it.
- ``started_on``: the first day one of them became active or had an attended contact.
- ``completed``: one of them was completed; ``disengaged``: one ended disengaged and none was
  completed.
- ``waiting_list_days``: days the first of them to join a waiting list waited until a place
  was offered (none while still waiting, or if it left the list unoffered).
"""

from django.db.models import Min
from django.utils import timezone

from cases.models import DecisionOutcome, PanelDecision
from figures import store
from figures.models import ReferralFact
from figures.vocabulary import NOT_KNOWN, ScreeningOutcome, age_band
from interventions.models import Allocation, AllocationStatus, Contact, ContactOutcome
from referrals.models import Person, Referral, ReferralStatus

# The person's columns a fact reads: only these are loaded (a deferred column read per person
# would be a query per person).
PERSON_FIELDS = ("id", "gender", "postcode_district")


def _equality(person) -> tuple[str, str]:
    """The person's ethnic group and disability, as counted.

    Until the person's equality information (referrals.equality, issue 13) is merged, both
    are not known. At merge this becomes ``(ethnicity_group(person.ethnicity),
    disability_answer(person.disability))``, with ``ethnicity`` and ``disability`` added to
    ``PERSON_FIELDS``."""
    return NOT_KNOWN, NOT_KNOWN


STATUS_TO_SCREENING = {
    ReferralStatus.SUBMITTED: ScreeningOutcome.NOT_YET_SCREENED,
    ReferralStatus.RETURNED: ScreeningOutcome.RETURNED,
    ReferralStatus.ACCEPTED_FOR_PANEL: ScreeningOutcome.ACCEPTED,
    ReferralStatus.DECLINED: ScreeningOutcome.DECLINED,
    ReferralStatus.SIGNPOSTED: ScreeningOutcome.SIGNPOSTED,
    ReferralStatus.WITHDRAWN: ScreeningOutcome.WITHDRAWN,
    ReferralStatus.CASE_OPENED: ScreeningOutcome.ACCEPTED,
    ReferralStatus.NO_FURTHER_ACTION: ScreeningOutcome.ACCEPTED,
}
# Panel decisions that settle a referral (a deferred one waits for the next meeting).
DECIDED = (DecisionOutcome.OPEN_CASE, DecisionOutcome.NO_FURTHER_ACTION, DecisionOutcome.SIGNPOST)
DECIDED_AT_SCREENING = (
    ScreeningOutcome.ACCEPTED,
    ScreeningOutcome.RETURNED,
    ScreeningOutcome.DECLINED,
    ScreeningOutcome.SIGNPOSTED,
)


def _day(moment):
    return timezone.localdate(moment) if moment is not None else None


def _earliest(*days):
    known = [d for d in days if d is not None]
    return min(known) if known else None


def replace(person_ids, subjects) -> None:
    ReferralFact.objects.filter(subject__in=list(subjects.values())).delete()
    referrals = list(
        Referral.objects.filter(person_id__in=person_ids, submitted_at__isnull=False)
        .exclude(status=ReferralStatus.DRAFT)
        .values(
            "id",
            "person_id",
            "pathway",
            "area",
            "organisation__organisation_type",
            "age_at_referral",
            "submitted_at",
            "status",
            "screened_at",
            "marac_referral_required",
        )
    )
    if not referrals:
        return
    referral_ids = [r["id"] for r in referrals]
    people = {p.id: p for p in Person.objects.filter(id__in=person_ids).only(*PERSON_FIELDS)}
    returned = set(
        Referral.history.filter(id__in=referral_ids, status=ReferralStatus.RETURNED)
        .values_list("id", flat=True)
        .distinct()
    )
    latest_decision: dict = {}
    case_decision: dict = {}
    for decision in (
        PanelDecision.objects.filter(referral_id__in=referral_ids)
        .order_by("decided_at", "pk")
        .values("referral_id", "outcome", "decided_at", "case_id", "case__opened_at")
    ):
        latest_decision[decision["referral_id"]] = decision
        if decision["outcome"] == DecisionOutcome.OPEN_CASE and decision["case_id"]:
            case_decision.setdefault(decision["referral_id"], decision)
    allocations_of_case: dict = {}
    allocations = list(
        Allocation.objects.filter(
            case_id__in={d["case_id"] for d in case_decision.values()}
        ).values("id", "case_id", "status", "created_at", "waitlisted_at")
    )
    for allocation in allocations:
        allocations_of_case.setdefault(allocation["case_id"], []).append(allocation)
    allocation_ids = [a["id"] for a in allocations]
    became = {
        (row["id"], row["status"]): row["first"]
        for row in Allocation.history.filter(
            id__in=allocation_ids, status__in=(AllocationStatus.ACTIVE, AllocationStatus.OFFERED)
        )
        .values("id", "status")
        .annotate(first=Min("history_date"))
        .order_by()
    }
    first_attended = dict(
        Contact.objects.filter(allocation_id__in=allocation_ids, outcome=ContactOutcome.ATTENDED)
        .values("allocation_id")
        .annotate(first=Min("contact_date"))
        .order_by()
        .values_list("allocation_id", "first")
    )

    facts = []
    for referral in referrals:
        person = people[referral["person_id"]]
        ethnicity_group, disability = _equality(person)
        submitted_on = _day(referral["submitted_at"])
        decision = latest_decision.get(referral["id"])
        screening = STATUS_TO_SCREENING[referral["status"]]
        if screening == ScreeningOutcome.SIGNPOSTED and decision is not None:
            screening = ScreeningOutcome.ACCEPTED  # signposted by the panel, not at screening
        facts.append(
            ReferralFact(
                subject=subjects[referral["person_id"]],
                month=submitted_on.replace(day=1),
                submitted_on=submitted_on,
                pathway=referral["pathway"],
                area=referral["area"],
                organisation_type=referral["organisation__organisation_type"],
                age_band=age_band(referral["age_at_referral"]),
                gender=person.gender or NOT_KNOWN,
                ethnicity_group=ethnicity_group,
                disability=disability,
                postcode_district=person.postcode_district,
                screening_outcome=screening,
                screened_on=(
                    _day(referral["screened_at"]) if screening in DECIDED_AT_SCREENING else None
                ),
                ever_returned=referral["id"] in returned,
                panel_outcome=decision["outcome"] if decision else "",
                decided_on=_day(decision["decided_at"]) if decision else None,
                marac_flag=referral["marac_referral_required"],
                **_support(
                    case_decision.get(referral["id"]), allocations_of_case, became, first_attended
                ),
            )
        )
    ReferralFact.objects.bulk_create(facts, batch_size=2000)


def _support(decision, allocations_of_case, became, first_attended) -> dict:
    """The case the panel opened for a referral, and the support that followed."""
    if decision is None:
        return {}
    decided_on = _day(decision["decided_at"])
    ours = [
        a
        for a in allocations_of_case.get(decision["case_id"], [])
        if a["created_at"] >= decision["decided_at"]
    ]
    statuses = {a["status"] for a in ours}
    waitlisted = sorted((a for a in ours if a["waitlisted_at"]), key=lambda a: a["waitlisted_at"])
    waiting_list_days = None
    if waitlisted:
        offered = became.get((waitlisted[0]["id"], AllocationStatus.OFFERED))
        if offered is not None:
            waiting_list_days = (_day(offered) - _day(waitlisted[0]["waitlisted_at"])).days
    first_contact = _earliest(*(first_attended.get(a["id"]) for a in ours))
    completed = AllocationStatus.COMPLETED in statuses
    return {
        "case_opened_on": max(_day(decision["case__opened_at"]), decided_on),
        "allocated_on": _earliest(*(_day(a["created_at"]) for a in ours)),
        "started_on": _earliest(
            first_contact, *(_day(became.get((a["id"], AllocationStatus.ACTIVE))) for a in ours)
        ),
        "first_attended_contact_on": first_contact,
        "completed": completed,
        "disengaged": not completed and AllocationStatus.DISENGAGED in statuses,
        "waiting_list_days": waiting_list_days,
    }


store.register_builder(name="referrals", model=ReferralFact, replace=replace)


def referral_facts(filters):
    """The facts of referrals submitted in the filters' months, area and pathway."""
    facts = ReferralFact.objects.filter(
        month__gte=filters.first_month, month__lte=filters.last_month
    )
    if filters.area:
        facts = facts.filter(area=filters.area)
    if filters.pathway:
        facts = facts.filter(pathway=filters.pathway)
    return facts
