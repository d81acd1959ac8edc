"""Outcome facts (each case's distance travelled per measure) and referral follow-up facts
(whether each submitted referral led to an allocation, and whether the person was referred
again within 12 months after it).

A constant number of reads per batch of people: the outcome records; the referrals; the
allocations (for "allocated from this referral").

Re-referral looks at the same person record only: a referral of the same person under
another record (a duplicate the blind indexes would match) is another person's facts,
whose changes would not mark this one stale.

The builders keep ``OutcomeTally`` and ``FollowUpTally`` in step in the same transaction
(``OUTCOME_TALLY``, ``FOLLOW_UP_TALLY``): counts, sums and sums of squares of the changes,
and follow-ups by the day referred, so that the outcomes set reads a few thousand rows.
"""

from collections import defaultdict
from datetime import date
from uuid import UUID

from django.utils import timezone

from figures import store
from figures.models import FollowUpTally, OutcomeFact, OutcomeTally, ReferralFollowUpFact
from figures.tallies import Tally
from interventions.models import Allocation, OutcomeKind, OutcomeRecord
from referrals.models import Referral, ReferralStatus


def a_year_after(day: date) -> date:
    """The same calendar date a year later (28 February after 29 February): "within 12
    months" counts the anniversary itself, as ``referrals.pathways.one_year_before`` does
    looking back."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def replace_outcomes(
    person_ids: list[UUID], subjects: dict[UUID, str], keep_derived: bool = True
) -> None:
    OUTCOME_TALLY.replace(
        subjects.values(), lambda: _build_outcomes(person_ids, subjects), keep_derived=keep_derived
    )


def _build_outcomes(person_ids, subjects) -> int:
    records = (
        OutcomeRecord.objects.filter(case__person_id__in=person_ids, measure__derived=False)
        .order_by("recorded_on", "created_at", "id")
        .values_list(
            "case_id",
            "case__person_id",
            "case__area",
            "case__pathway",
            "measure_id",
            "measure__higher_is_better",
            "kind",
            "value",
            "recorded_on",
            "allocation__intervention_id",
        )
    )
    pairs: dict[tuple, dict] = {}
    for case_id, person_id, area, pathway, measure_id, higher, kind, value, on, via in records:
        entry = pairs.setdefault(
            (case_id, measure_id),
            {"person": person_id, "area": area, "pathway": pathway, "higher": higher},
        )
        if kind == OutcomeKind.BASELINE:
            entry["baseline"] = (value, on, via)
        else:
            entry["latest"] = (value, on, via)  # ordered by date: the last one wins
    facts = []
    for (_, measure_id), entry in pairs.items():
        if "baseline" not in entry or "latest" not in entry:
            continue
        baseline, baseline_on, baseline_via = entry["baseline"]
        latest, latest_on, latest_via = entry["latest"]
        change = latest - baseline if entry["higher"] else baseline - latest
        facts.append(
            dict(
                subject=subjects[entry["person"]],
                month=latest_on.replace(day=1),
                area=entry["area"],
                pathway=entry["pathway"],
                measure_id=measure_id,
                intervention_id=latest_via if latest_via is not None else baseline_via,
                baseline=baseline,
                latest=latest,
                change=change,
                baseline_on=baseline_on,
                latest_on=latest_on,
            )
        )
    store.write_facts(OutcomeFact, facts)
    return len(facts)


def replace_follow_ups(
    person_ids: list[UUID], subjects: dict[UUID, str], keep_derived: bool = True
) -> None:
    FOLLOW_UP_TALLY.replace(
        subjects.values(),
        lambda: _build_follow_ups(person_ids, subjects),
        keep_derived=keep_derived,
    )


def _build_follow_ups(person_ids, subjects) -> int:
    referrals = list(
        Referral.objects.filter(person_id__in=person_ids, submitted_at__isnull=False)
        .exclude(status=ReferralStatus.DRAFT)
        .order_by("referral_date", "submitted_at", "id")
        .values_list("person_id", "area", "pathway", "referral_date", "case_id")
    )
    if not referrals:
        return 0
    allocated_days: dict = defaultdict(list)
    for case_id, created_at in Allocation.objects.filter(
        case__person_id__in=person_ids
    ).values_list("case_id", "created_at"):
        allocated_days[case_id].append(timezone.localtime(created_at).date())
    by_person: dict = defaultdict(list)
    for row in referrals:
        by_person[row[0]].append(row)
    facts = []
    for person_id, rows in by_person.items():
        for index, (_, area, pathway, referred_on, case_id) in enumerate(rows):
            after = [r for r in rows[index + 1 :] if r[3] > referred_on]
            later = [r[3] for r in after]
            next_to_case = [r[3] for r in after if r[4] == case_id]
            until = min(next_to_case) if next_to_case and case_id else None
            allocated = case_id is not None and any(
                referred_on <= day and (until is None or day < until)
                for day in allocated_days.get(case_id, ())
            )
            facts.append(
                dict(
                    subject=subjects[person_id],
                    month=referred_on.replace(day=1),
                    area=area,
                    pathway=pathway,
                    referred_on=referred_on,
                    allocated=allocated,
                    referred_again_within_12_months=bool(later)
                    and min(later) <= a_year_after(referred_on),
                )
            )
    store.write_facts(ReferralFollowUpFact, facts)
    return len(facts)


OUTCOME_TALLY = Tally(
    model=OutcomeTally,
    facts=OutcomeFact,
    keys=("month", "area", "pathway", "measure_id", "intervention_id"),
    sums=("n", "change_sum", "change_squares"),
    contributions="""
        SELECT f.month, f.area, f.pathway, f.measure_id, f.intervention_id, 1, f.change,
            f.change * f.change
        FROM {facts} AS f
    """,
)
FOLLOW_UP_TALLY = Tally(
    model=FollowUpTally,
    facts=ReferralFollowUpFact,
    keys=("referred_on", "month", "area", "pathway", "allocated"),
    sums=("n", "again"),
    contributions="""
        SELECT f.referred_on, f.month, f.area, f.pathway, f.allocated, 1,
            f.referred_again_within_12_months::int
        FROM {facts} AS f
    """,
)

store.register_builder(
    name="outcomes",
    model=OutcomeFact,
    replace=replace_outcomes,
    derived=(OutcomeTally,),
    recount=OUTCOME_TALLY.recount,
)
store.register_builder(
    name="referral_follow_ups",
    model=ReferralFollowUpFact,
    replace=replace_follow_ups,
    derived=(FollowUpTally,),
    recount=FOLLOW_UP_TALLY.recount,
)
