"""The interventions, outcomes and sharing sets read tallies (``figures.tallies``): every
answer from the tallies equals the same answer computed from the facts directly, after a
series of incremental changes, after people are erased, and after a rebuild; and a
tally's recount equals the tally kept in step.

The answers from the facts are the queries these sets made before they read tallies,
kept here as the reference."""

import datetime
import random
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, F, Q, StdDev, Sum
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from audit.retention import erase_person
from demo import scale
from figures import guard, store
from figures.aggregates import DaysBetween
from figures.facts import allocations, outcomes, sharing
from figures.facts.sharing import GATEWAYS, LAYER_COLUMNS
from figures.filters import Filters, add_months, this_month
from figures.models import (
    AllocationFact,
    AllocationTally,
    FollowUpTally,
    OutcomeFact,
    OutcomeTally,
    ReferralFollowUpFact,
    SharingFact,
    SharingFactKind,
    SharingTally,
)
from figures.sets import interventions as interventions_set
from figures.sets import outcomes as outcomes_set
from figures.sets import sharing as sharing_set
from figures.suppression import Rule
from figures.tallies import Tally
from interventions.models import Allocation, AllocationStatus, OutcomeRecord
from referrals.models import Person, ReferralArea
from referrals.pathways import Pathway, one_year_before
from sharing.rules import RULES

pytestmark = pytest.mark.django_db

TALLIES = {
    AllocationTally: allocations.TALLY,
    OutcomeTally: outcomes.OUTCOME_TALLY,
    FollowUpTally: outcomes.FOLLOW_UP_TALLY,
    SharingTally: sharing.TALLY,
}
AREAS = ["", *ReferralArea.values]
PATHWAYS = ["", *Pathway.values]
OPEN = Rule(low=1, high=0, round_to=1, min_group=1)
DEFAULT = Rule()


# --- The answers from the facts (what the sets computed before they read tallies) -------


def interventions_from_facts(filters):
    facts = filters.narrow(AllocationFact.objects.all(), by_month=False)
    start = filters.first_month
    end = min(filters.period_end, timezone.localdate() + datetime.timedelta(days=1))
    made = Q(month__gte=filters.first_month, month__lte=filters.last_month)
    held = Q(place_from__lt=end) & (Q(place_until__isnull=True) | Q(place_until__gt=start))
    completed_in = Q(completed=True, ended_on__gte=start, ended_on__lt=filters.period_end)
    rows = (
        facts.filter(made | held | completed_in)
        .values("intervention_id")
        .annotate(
            n_allocations=Count("id", filter=made),
            n_started=Count("id", filter=made & Q(started=True)),
            n_completed=Count("id", filter=made & Q(completed=True)),
            n_disengaged=Count("id", filter=made & Q(disengaged=True)),
            attended=Coalesce(Sum("attended_contacts", filter=made), 0),
            missed=Coalesce(Sum("missed_contacts", filter=made), 0),
            with_contacts=Count(
                "id", filter=made & (Q(attended_contacts__gt=0) | Q(missed_contacts__gt=0))
            ),
            holders=Count("id", filter=held),
            place_days=Coalesce(
                Sum(
                    DaysBetween(
                        Least(Coalesce(F("place_until"), end), end),
                        Greatest(F("place_from"), start),
                    ),
                    filter=held,
                ),
                0,
            ),
            completions=Count("id", filter=completed_in),
        )
        .order_by()
    )
    found = {
        row.pop("intervention_id"): {key.removeprefix("n_"): n for key, n in row.items()}
        for row in rows
    }
    return found, (end - start).days


def statistics_from_facts(filters, *group):
    return [
        {key: row[key] for key in (*group, "n", "mean", "sd")}
        for row in filters.narrow(OutcomeFact.objects.all())
        .values(*group)
        .annotate(n=Count("id"), mean=Avg("change"), sd=StdDev("change", sample=True))
        .order_by()
    ]


def follow_ups_from_facts(filters):
    facts = filters.narrow(ReferralFollowUpFact.objects.all()).filter(
        referred_on__lt=one_year_before(timezone.localdate())
    )
    return {
        row["allocated"]: row
        for row in facts.values("allocated")
        .annotate(n=Count("id"), again=Count("id", filter=Q(referred_again_within_12_months=True)))
        .order_by()
    }


def sharing_from_facts(filters):
    chosen = filters.narrow(SharingFact.objects.all())
    by_value = defaultdict(Counter)
    by_month = Counter()
    columns = ("rule", "purpose", "recipient_type", "status", "repeat", *LAYER_COLUMNS.values())
    for group in chosen.values("kind", "month", *columns).annotate(n=Count("*")).order_by():
        kind, n, month = group["kind"], group["n"], f"{group['month']:%Y-%m}"
        if kind == SharingFactKind.DISCLOSURE:
            by_value["rule"][f"{group['rule']}|{group['purpose']}"] += n
            by_value["recipient"][group["recipient_type"]] += n
            for column in LAYER_COLUMNS.values():
                if group[column]:
                    by_value[column][group[column]] += n
        elif kind == SharingFactKind.LAWFUL_BASIS:
            by_value["basis"][f"{group['rule']}|{group['status']}"] += n
        elif kind == SharingFactKind.CONSENT_DECLINED:
            by_value["consent"][f"{group['purpose']}|{group['status']}"] += n
        elif kind == SharingFactKind.MARAC_FLAG:
            by_month[(month, "flagged")] += n
        elif kind == SharingFactKind.MARAC_REFERRAL:
            by_month[(month, "referred")] += n
            if group["repeat"]:
                by_month[(month, "repeat")] += n
    by_value["records"][""] = chosen.count()
    return by_value, by_month


def refusal(filters, **kwargs):
    """The guard's refusal, or None."""
    try:
        guard.require_no_small_groups(filters=filters, rule=DEFAULT, counted="units", **kwargs)
    except ValidationError as error:
        return error.message_dict
    return None


# --- The comparisons ----------------------------------------------------------------------


def every_filter(months_back: int = 36):
    """Each of the last ``months_back`` months, and periods of three, twelve and sixty
    months ending at several of them, in all areas and on all pathways and, in turn, in
    each area on each pathway (``in_each_area_and_pathway``)."""
    latest = this_month()
    single = [
        Filters(first_month=add_months(latest, -k), last_month=add_months(latest, -k))
        for k in range(months_back)
    ]
    periods = [
        Filters(
            first_month=add_months(latest, -last - length + 1),
            last_month=add_months(latest, -last),
        )
        for last in (0, 1, 4, 13, 25)
        for length in (3, 12, 60)
    ]
    return single + periods + in_each_area_and_pathway(periods, times=2)


def in_each_area_and_pathway(periods, *, times):
    """The periods narrowed to each area and pathway (every pair, "" for all, ``times``
    times over), each pair on a different period in turn: every pair meets several
    periods and every period several pairs, where every pair on every period multiplied
    the comparisons' time by fifteen and found nothing the pairs in turn do not."""
    pairs = [(area, pathway) for area in AREAS for pathway in PATHWAYS]
    step = max(1, len(periods) // times)
    return [
        Filters(f.first_month, f.last_month, area, pathway)
        for turn in range(times)
        for n, (area, pathway) in enumerate(pairs)
        for f in [periods[(n + turn * step) % len(periods)]]
    ]


def sorted_rows(rows, *group):
    return sorted(rows, key=lambda r: tuple(str(r[key]) for key in group))


def assert_the_answers_agree(filters_list):
    for filters in filters_list:
        assert interventions_set._figures(filters) == interventions_from_facts(filters), filters
        for group in (("measure_id",), ("measure_id", "intervention_id")):
            assert sorted_rows(outcomes_set._statistics(filters, *group), *group) == sorted_rows(
                statistics_from_facts(filters, *group), *group
            ), (filters, group)
        assert outcomes_set._follow_ups(filters) == follow_ups_from_facts(filters), filters
        tallied, marac = sharing_set._counted(filters)
        from_facts, marac_from_facts = sharing_from_facts(filters)
        assert {m: +c for m, c in tallied.items() if +c} == {
            m: +c for m, c in from_facts.items() if +c
        }, filters
        assert marac == marac_from_facts, filters
        for tally, facts, weight in (
            (AllocationTally, AllocationFact, "allocations"),
            (OutcomeTally, OutcomeFact, "n"),
            (FollowUpTally, ReferralFollowUpFact, "n"),
        ):
            assert refusal(filters, facts=tally.objects.all(), weight=weight) == refusal(
                filters, facts=facts.objects.all()
            ), (filters, tally)
        assert refusal(
            filters, facts=SharingTally.objects.filter(measure="records"), weight="n"
        ) == refusal(filters, facts=SharingFact.objects.all()), filters


def snapshot(model):
    """The tally's rows, leaving out those fallen to nought."""
    tally = TALLIES[model]
    rows = model.objects.values(*tally.keys, *tally.sums)
    return sorted(repr(row) for row in rows if any(row[column] for column in tally.sums))


def assert_recount_equals_the_tallies_kept_in_step():
    kept = {model: snapshot(model) for model in TALLIES}
    for model, tally in TALLIES.items():
        tally.recount()
        assert snapshot(model) == kept[model], model
    return kept


# --- Through the builders: a generated partnership, changed, erased and rebuilt ---------


def test_the_sets_answer_from_tallies_as_from_the_facts_through_every_change():
    scale.generate_partnership(people=80, months=30, seed=11, batch=40)
    # Folded in a few people at a time: each batch subtracts and adds to the tallies.
    store.refresh_stale(batch=15)
    assert AllocationFact.objects.exists()
    assert OutcomeFact.objects.exists()
    assert ReferralFollowUpFact.objects.exists()
    assert SharingFact.objects.exists()
    filters = every_filter()
    assert_the_answers_agree(filters)

    # Records change: allocations completed today, outcome records rescored, and people
    # erased under the retention schedule; each is folded in.
    rng = random.Random(5)
    allocation_ids = list(Allocation.objects.values_list("id", flat=True))
    Allocation.objects.filter(id__in=rng.sample(allocation_ids, 10)).update(
        status=AllocationStatus.COMPLETED, status_changed_at=timezone.now()
    )
    record_ids = list(OutcomeRecord.objects.values_list("id", flat=True))
    OutcomeRecord.objects.filter(id__in=rng.sample(record_ids, 10)).update(value=Decimal("3.25"))
    erased = rng.sample(list(Person.objects.values_list("id", flat=True)), 5)
    for person_id in erased:
        erase_person(person_id, today=timezone.localdate())
    store.refresh_stale(batch=7)
    subjects = [store.subject_of(pk) for pk in erased]
    for model in (AllocationFact, OutcomeFact, ReferralFollowUpFact, SharingFact):
        assert not model.objects.filter(subject__in=subjects).exists()
    assert_the_answers_agree(filters)
    kept = assert_recount_equals_the_tallies_kept_in_step()

    # A rebuild writes facts only and recounts each tally once: the same tallies.
    store.rebuild()
    assert {model: snapshot(model) for model in TALLIES} == kept
    assert_the_answers_agree(filters)


def test_a_report_from_the_tallies_equals_the_report_from_the_facts(monkeypatch):
    scale.generate_partnership(people=60, months=24, seed=3, batch=60)
    store.refresh_stale()
    latest = this_month()
    periods = [
        Filters(first_month=add_months(latest, -59), last_month=latest),
        Filters(first_month=add_months(latest, -11), last_month=latest, area="durham"),
        Filters(
            first_month=add_months(latest, -23),
            last_month=add_months(latest, -12),
            pathway="u18_prevention",
        ),
    ]

    def reports():
        built = []
        for filters in periods:
            for rule in (OPEN, DEFAULT):
                for module in (interventions_set, outcomes_set, sharing_set):
                    try:
                        built.append(module.build(filters=filters, rule=rule))
                    except ValidationError as error:
                        built.append(error.message_dict)
        return built

    from_tallies = reports()
    monkeypatch.setattr(interventions_set, "_figures", interventions_from_facts)
    monkeypatch.setattr(outcomes_set, "_statistics", statistics_from_facts)
    monkeypatch.setattr(outcomes_set, "_follow_ups", follow_ups_from_facts)
    monkeypatch.setattr(sharing_set, "_counted", sharing_from_facts)
    assert reports() == from_tallies


# --- Straight to the facts: edge cases the generator never writes ------------------------


def _day_within(rng, months: int) -> datetime.date:
    today = timezone.localdate()
    first = add_months(this_month(), -months)
    day = first + datetime.timedelta(days=rng.randrange((today - first).days + 1))
    # Often on a month's first day, or today: the edges of every period.
    return rng.choice([day, day, day.replace(day=1), today])


def _allocation_fact(rng, subject) -> AllocationFact:
    allocated_on = _day_within(rng, 30)
    place_from = rng.choice([None, allocated_on, _day_within(rng, 30)])
    if place_from is not None and place_from < allocated_on:
        place_from = allocated_on
    place_until = None
    if place_from is not None and rng.random() < 0.7:
        # Ending the day it began, on a first of the month, or later.
        later = place_from + datetime.timedelta(days=rng.choice([0, 1, 30, 200]))
        place_until = min(
            rng.choice([place_from, later, add_months(place_from.replace(day=1), 1), later]),
            timezone.localdate(),
        )
    completed = rng.random() < 0.4
    ended_on = place_until or (_day_within(rng, 30) if completed else None)
    return AllocationFact(
        subject=subject,
        month=allocated_on.replace(day=1),
        area=rng.choice(ReferralArea.values),
        pathway=rng.choice(Pathway.values),
        intervention_id=rng.randint(1, 4),
        provider_id=1,
        intervention_type="mentoring",
        status="completed" if completed else "active",
        offered=place_from is not None,
        started=rng.random() < 0.6,
        completed=completed,
        disengaged=not completed and rng.random() < 0.3,
        declined=False,
        withdrawn=False,
        attended_contacts=rng.choice([0, 0, 1, 5]),
        missed_contacts=rng.choice([0, 0, 2]),
        cancelled_contacts=0,
        allocated_on=allocated_on,
        place_from=place_from,
        place_until=place_until,
        started_on=None,
        ended_on=ended_on,
    )


def _outcome_fact(rng, subject) -> OutcomeFact:
    latest_on = _day_within(rng, 30)
    change = rng.choice(
        [Decimal("1.00"), Decimal("-2.50"), Decimal(rng.randint(-9999999, 9999999)) / 100]
    )
    return OutcomeFact(
        subject=subject,
        month=latest_on.replace(day=1),
        area=rng.choice(ReferralArea.values),
        pathway=rng.choice(Pathway.values),
        measure_id=rng.randint(1, 3),
        intervention_id=rng.choice([None, 1, 2]),
        baseline=Decimal(0),
        latest=change,
        change=change,
        baseline_on=latest_on,
        latest_on=latest_on,
    )


def _follow_up_fact(rng, subject) -> ReferralFollowUpFact:
    cutoff = one_year_before(timezone.localdate())
    referred_on = rng.choice(
        [_day_within(rng, 30), cutoff, cutoff - datetime.timedelta(days=1), cutoff.replace(day=1)]
    )
    return ReferralFollowUpFact(
        subject=subject,
        month=referred_on.replace(day=1),
        area=rng.choice(ReferralArea.values),
        pathway=rng.choice(Pathway.values),
        referred_on=referred_on,
        allocated=rng.random() < 0.5,
        referred_again_within_12_months=rng.random() < 0.3,
    )


def _sharing_fact(rng, subject) -> SharingFact:
    kind = rng.choice(SharingFactKind.values)
    gateways = {
        column: rng.choice(["", *(k for k, g in GATEWAYS.items() if g.layer == layer)])
        for layer, column in LAYER_COLUMNS.items()
    }
    return SharingFact(
        subject=subject,
        month=_day_within(rng, 30).replace(day=1),
        area=rng.choice(ReferralArea.values),
        pathway=rng.choice(Pathway.values),
        kind=kind,
        purpose=rng.choice(["assessment", "panel_discussion", ""]),
        rule=rng.choice([RULES[0].id, RULES[-1].id, "within_organisation", "a|b", ""]),
        status=rng.choice(["approved", "refused", ""]),
        recipient_type=rng.choice(["police", "school", ""]),
        repeat=rng.random() < 0.5,
        **(gateways if kind == SharingFactKind.DISCLOSURE else {}),
    )


MAKERS = {
    allocations.TALLY: _allocation_fact,
    outcomes.OUTCOME_TALLY: _outcome_fact,
    outcomes.FOLLOW_UP_TALLY: _follow_up_fact,
    sharing.TALLY: _sharing_fact,
}


def _replace(rng, subjects, *, count):
    """Replace these subjects' facts of every kind with ``count`` new ones each, as the
    builders do (none: the subjects are erased)."""
    for tally, make in MAKERS.items():
        tally.replace(
            subjects,
            lambda tally=tally, make=make: len(
                tally.facts.objects.bulk_create(
                    [make(rng, s) for s in subjects for _ in range(rng.randint(0, count))]
                )
            ),
            keep_derived=True,
        )


def test_tallies_of_edge_cases_answer_as_the_facts_do():
    rng = random.Random(2026)
    subjects = [f"subject-{n}" for n in range(60)]
    for start in range(0, 60, 20):
        _replace(rng, subjects[start : start + 20], count=6)
    # Changes: some people's facts replaced, some erased.
    for _ in range(3):
        _replace(rng, rng.sample(subjects, 15), count=6)
        _replace(rng, rng.sample(subjects, 5), count=0)
    assert AllocationFact.objects.filter(place_until__day=1).exists()
    assert AllocationFact.objects.filter(place_until=F("place_from")).exists()
    assert AllocationFact.objects.filter(
        place_from__isnull=False, place_until__isnull=True
    ).exists()
    latest = this_month()
    # Periods starting in each of 32 months and ending in the same month, the next, half
    # way, the month before the latest or the latest: a fact's first and last days fall on
    # every kind of boundary.
    periods = [
        Filters(first_month=add_months(latest, -a), last_month=add_months(latest, -b))
        for a in range(32)
        for b in sorted({0, 1, a // 2, a - 1, a} & set(range(a + 1)))
    ]
    assert_the_answers_agree(periods + in_each_area_and_pathway(periods, times=4))
    assert_recount_equals_the_tallies_kept_in_step()


def test_a_rebuild_writes_facts_only_and_recounts_each_tally_once(monkeypatch):
    scale.generate_partnership(people=80, months=30, seed=11, batch=40)
    store.refresh_stale()
    kept = {model: snapshot(model) for model in TALLIES}
    assert all(kept.values())

    def kept_in_step(*args, **kwargs):
        pytest.fail("a rebuild kept a tally in step fact by fact")

    monkeypatch.setattr(Tally, "delete_facts", kept_in_step)
    monkeypatch.setattr(Tally, "add_facts", kept_in_step)
    assert store.rebuild() == Person.objects.count()
    assert {model: snapshot(model) for model in TALLIES} == kept
