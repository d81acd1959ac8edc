"""Referral facts: one row per submitted referral (drafts are not counted), following it from
submission through screening, the panel and the case to support started and finished.

Built for a batch of people with a fixed number of queries whatever the batch's size (the
referrals, the people, the returns in the referrals' history, the panel decisions with their
cases, the allocations, their history and their attended contacts), then assembled here.

The builder also keeps ``ReferralTally`` in step, in the same transaction: how many facts of
each month, area and pathway fall in each category, reached each stage of the funnel, and
took each number of days over each step. It subtracts the old facts' contributions and adds
the new ones', so the figure sets read a few thousand tally rows rather than scanning
millions of facts (each set answers in well under a second at 2,000,000 referrals), and
percentiles come exactly from the tally of days (``figures.aggregates.percentile_of_counts``).
What a fact counts towards is written once, in SQL (``_tally_of``): folds subtract and add
with it, and a rebuild, which writes facts only, recounts the whole tally with it at the end.

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

import re

from django.db.models import Min
from django.utils import timezone

from cases.models import DecisionOutcome, PanelDecision
from figures import store
from figures.models import ReferralFact, ReferralTally
from figures.tallies import Tally
from figures.vocabulary import NOT_KNOWN, SCREENED, ScreeningOutcome, age_band
from interventions.models import Allocation, AllocationStatus, Contact, ContactOutcome
from referrals.equality import disability_answer, ethnicity_group
from referrals.models import Person, Referral, ReferralStatus

# The person's columns a fact reads: only these are loaded (a deferred column read per person
# would be a query per person).
PERSON_FIELDS = ("id", "gender", "postcode_district", "ethnicity", "disability")


def _equality(person) -> tuple[str, str]:
    """The person's ethnic group (the five high-level groups, never the detailed background)
    and disability answer, as counted; unanswered is "not known"."""
    return ethnicity_group(person.ethnicity), disability_answer(person.disability)


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
    # The partnership's own time zone (never one a request activated), looked up once:
    # ``timezone.localdate`` looks up the current one, context-local, for every value.
    return moment.astimezone(timezone.get_default_timezone()).date() if moment else None


def _earliest(*days):
    known = [d for d in days if d is not None]
    return min(known) if known else None


def replace(person_ids, subjects, keep_derived: bool = True) -> None:
    TALLY.replace(
        subjects.values(), lambda: _build(person_ids, subjects), keep_derived=keep_derived
    )


def _build(person_ids, subjects) -> int:
    """Insert these people's facts; returns how many."""
    facts = _facts(person_ids, subjects)
    store.write_facts(ReferralFact, facts)
    return len(facts)


def _facts(person_ids, subjects) -> list[dict]:
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
        return []
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
        signposted_by_panel = (
            decision is not None and decision["outcome"] == DecisionOutcome.SIGNPOST
        )
        if screening == ScreeningOutcome.SIGNPOSTED and signposted_by_panel:
            # Signposted by the panel (after a deferral, screening may have signposted it).
            screening = ScreeningOutcome.ACCEPTED
        facts.append(
            dict(
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
    return facts


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


# --- The tally: what the figure sets read ------------------------------------------------

# Categories counted, each a fact column.
CATEGORIES = (
    "organisation_type",
    "age_band",
    "gender",
    "ethnicity_group",
    "disability",
    "postcode_district",
)


def _codes(*codes: str) -> str:
    """Codes of this module's own vocabularies as an SQL list (checked: never input)."""
    if not all(re.fullmatch(r"[a-z0-9_]*", code) for code in codes):
        raise ValueError(f"not a code: {codes!r}")
    return ", ".join(f"'{code}'" for code in codes)


def _screened_as(*outcomes: str) -> str:
    return f"f.screening_outcome IN ({_codes(*outcomes)})"


def _decided_by_panel(*outcomes: str) -> str:
    """Accepted at screening, and the panel's latest decision one of these."""
    return f"{_screened_as(ScreeningOutcome.ACCEPTED)} AND f.panel_outcome IN ({_codes(*outcomes)})"


# The funnel's stages, in order, each a condition on a fact ``f`` (SQL).
STAGES = {
    "submitted": "TRUE",
    "screened": _screened_as(*SCREENED),
    "accepted": _screened_as(ScreeningOutcome.ACCEPTED),
    "returned": _screened_as(ScreeningOutcome.RETURNED),
    "declined": _screened_as(ScreeningOutcome.DECLINED),
    "signposted": _screened_as(ScreeningOutcome.SIGNPOSTED),
    "withdrawn": _screened_as(ScreeningOutcome.WITHDRAWN),
    "not_yet_screened": _screened_as(ScreeningOutcome.NOT_YET_SCREENED),
    "ever_returned": "f.ever_returned",
    "panel_decided": _decided_by_panel(*DECIDED),
    "case_opened": _decided_by_panel(DecisionOutcome.OPEN_CASE),
    "no_further_action": _decided_by_panel(DecisionOutcome.NO_FURTHER_ACTION),
    "panel_signposted": _decided_by_panel(DecisionOutcome.SIGNPOST),
    "awaiting_panel": _decided_by_panel("", DecisionOutcome.DEFER),
    "allocated": "f.allocated_on IS NOT NULL",
    "started": "f.started_on IS NOT NULL",
    "completed": "f.completed",
    "disengaged": "f.disengaged",
}

# The days each step took, of a fact ``f`` (SQL; null: not taken): screening over those
# screened, the panel's decision over those accepted and decided (a deferral is not a
# decision), the first attended contact over those whose case the panel opened, the waiting
# list over those offered a place after waiting for one.
STEPS = {
    "screening": "f.screened_on - f.submitted_on",
    "decision": (
        f"CASE WHEN f.panel_outcome IN ({_codes(*DECIDED)}) THEN f.decided_on - f.screened_on END"
    ),
    "contact": (
        "CASE WHEN f.case_opened_on IS NOT NULL THEN f.first_attended_contact_on - f.decided_on END"
    ),
    "waiting": "f.waiting_list_days",
}

# The measures a fact counts towards with a value of its own (null: none), each SQL of ``f``:
# its categories and the days each step took.
VALUED = {
    **{category: f"f.{category}" for category in CATEGORIES},
    **{f"days:{step}": f"({days})" for step, days in STEPS.items()},
}


def _tally_of(facts: str) -> str:
    """A SELECT of the tally rows (measure, month, area, pathway, value, ``n``) of ``facts``
    (a table, a CTE's name or ``Tally``'s ``{facts}``). The one definition of what a fact
    counts towards: the store kept current and a rebuild's recount both use it, so they
    cannot disagree. A grouping per measure (each a scan and a small hash table) is several
    times faster over millions of facts than one grouping of every (fact, measure) pair."""
    reached = ", ".join(f"count(*) FILTER (WHERE {test})" for test in STAGES.values())
    stages = ", ".join(f"('{stage}', g.reached[{i}])" for i, stage in enumerate(STAGES, 1))
    parts = [
        f"""
        SELECT 'stage' AS measure, g.month, g.area, g.pathway, s.value, s.n
        FROM (
            SELECT f.month, f.area, f.pathway, ARRAY[{reached}] AS reached
            FROM {facts} AS f GROUP BY f.month, f.area, f.pathway
        ) AS g CROSS JOIN LATERAL (VALUES {stages}) AS s (value, n)
        WHERE s.n > 0
        """,  # noqa: S608
        *(
            f"""
            SELECT '{measure}', f.month, f.area, f.pathway, ({value})::text, count(*)
            FROM {facts} AS f WHERE ({value}) IS NOT NULL
            GROUP BY f.month, f.area, f.pathway, ({value})::text
            """  # noqa: S608
            for measure, value in VALUED.items()
        ),
    ]
    return " UNION ALL ".join(parts)


# The tally is regrouped by (measure, month, area, pathway, value) over ``_tally_of``'s rows,
# which are already one per key: a few tens of thousands of rows whatever the facts' number.
TALLY = Tally(
    model=ReferralTally,
    facts=ReferralFact,
    keys=("measure", "month", "area", "pathway", "value"),
    sums=("n",),
    contributions=_tally_of("{facts}"),
)


store.register_builder(
    name="referrals",
    model=ReferralFact,
    replace=replace,
    derived=(ReferralTally,),
    recount=TALLY.recount,
)


def referral_facts(filters):
    """The facts of referrals submitted in the filters' months, area and pathway."""
    return filters.narrow(ReferralFact.objects.all())


def submitted_tally():
    """Every month, area and pathway's count of submitted referrals: what the guard against
    subtracting two answers counts (the same numbers as the facts, read from a few rows)."""
    return ReferralTally.objects.filter(measure="stage", value="submitted")


def referral_tally(filters, *measures: str):
    """The tally of those facts, for these measures."""
    return filters.narrow(ReferralTally.objects.all()).filter(measure__in=measures)
