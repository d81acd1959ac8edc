"""The outcomes figures for a small partnership built through the services, against answers
worked out by hand (confidence intervals included); and the default rule's suppression."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from figures.filters import Filters, add_months, this_month
from figures.selectors import report_for
from interventions.models import Allocation, OutcomeMeasure
from interventions.services import allocation_create, outcome_record
from referrals.models import Referral
from tests.factories import (
    case_ready_for_delivery,
    make_intervention,
    make_person,
    submitted_referral,
    years_ago,
)
from tests.figures.support import SUPPRESSION_OFF


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def dated(referral, n: int) -> None:
    """The referral made ``n`` days ago (the service dates it today)."""
    Referral.objects.filter(pk=referral.pk).update(referral_date=days_ago(n))


def new_person(referrer, family_name):
    return make_person(referrer, family_name=family_name, date_of_birth=years_ago(14))


def record(actor, case, code, kind, value, n_days_ago):
    return outcome_record(
        actor=actor,
        case=case,
        measure=OutcomeMeasure.objects.get(code=code),
        kind=kind,
        value=Decimal(value),
        recorded_on=days_ago(n_days_ago),
    )


def texts(table, row) -> dict[str, str]:
    return {c.key: cell.text for c, cell in zip(table.columns, row.cells, strict=True)}


def eighteen_months() -> Filters:
    return Filters(first_month=add_months(this_month(), -17), last_month=this_month())


@pytest.fixture
def partnership(school_caseworker, coordinator, panel_chair, provider_keyworker, charity):
    """Today is T. Four cases (people P1, P2, P4, P7) and three people only referred.

    Referrals (dates), allocations (made on), re-referrals:
      P1: referred T-500, allocated T-490, referred again T-200 (within 12 months).
      P2: referred T-480, allocated T-470, never again.
      P4: referred T-450, allocated T-440, referred again T-50 (more than 12 months on).
      P3: referred T-460, not allocated, referred again T-300 (within 12 months).
      P5: referred T-420, not allocated, never again.
      P6: referred T-100, not allocated (under 12 months ago).
      P7: referred today, no allocation (under 12 months ago).
    Outcomes (P1, P2, P4 recorded by the mentoring provider through the allocation; P7 by
    the lead professional, naming no intervention):
      feeling safe (higher is better): P1 3 -> 5 -> 7 (+4), P2 5 -> 6 (+1), P4 4 -> 4 (0),
        P7 6 -> 9 (+3);
      AUDIT-C (lower is better): P1 8 -> 5 (+3), P2 6 -> 7 (-1).
    """
    lead, keyworker = school_caseworker, provider_keyworker
    mentoring = make_intervention(charity, capacity=4)
    cases = {}
    for name, referred, allocated in (("P1", 500, 490), ("P2", 480, 470), ("P4", 450, 440)):
        case = case_ready_for_delivery(
            lead, coordinator, panel_chair, person=new_person(lead, name)
        )
        dated(case.referrals.get(), referred)
        allocation = allocation_create(
            actor=lead, case=case, intervention=mentoring, request="Weekly mentoring"
        )
        Allocation.objects.filter(pk=allocation.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=allocated)
        )
        cases[name] = case
    cases["P7"] = case_ready_for_delivery(
        lead, coordinator, panel_chair, person=new_person(lead, "P7")
    )
    dated(submitted_referral(lead, person=cases["P1"].person), 200)
    dated(submitted_referral(lead, person=cases["P4"].person), 50)
    p3 = new_person(lead, "P3")
    dated(submitted_referral(lead, person=p3), 460)
    dated(submitted_referral(lead, person=p3), 300)
    dated(submitted_referral(lead, person=new_person(lead, "P5")), 420)
    dated(submitted_referral(lead, person=new_person(lead, "P6")), 100)

    for who, case, baseline, follow_ups in (
        (keyworker, cases["P1"], "3", [("5", 30), ("7", 20)]),
        (keyworker, cases["P2"], "5", [("6", 30)]),
        (keyworker, cases["P4"], "4", [("4", 30)]),
        (lead, cases["P7"], "6", [("9", 30)]),
    ):
        record(who, case, "feeling_safe", "baseline", baseline, 60)
        for value, when in follow_ups:
            record(who, case, "feeling_safe", "follow_up", value, when)
    record(keyworker, cases["P1"], "audit_c", "baseline", "8", 60)
    record(keyworker, cases["P1"], "audit_c", "follow_up", "5", 30)
    record(keyworker, cases["P2"], "audit_c", "baseline", "6", 60)
    record(keyworker, cases["P2"], "audit_c", "follow_up", "7", 30)
    # A baseline without a follow-up has travelled no distance yet: not counted.
    record(keyworker, cases["P4"], "audit_c", "baseline", "9", 60)
    return mentoring


@pytest.mark.django_db
class TestOutcomesFigures:
    def test_distance_travelled_equals_the_hand_worked_answers(self, settings, partnership):
        settings.FIGURES_SUPPRESSION = SUPPRESSION_OFF
        mentoring = partnership
        report = report_for(set_key="outcomes", filters=eighteen_months())
        by_measure, by_intervention, _ = report.tables
        rows = {r.label: texts(by_measure, r) for r in by_measure.rows}
        # Feeling safe: changes 4, 1, 0, 3; n = 4, mean 2; deviations 2, -1, -2, 1, squares
        # sum 10, sample variance 10/3, sd 1.8257; standard error 1.8257/2 = 0.9129;
        # t(0.975, 3 df) = 3.182; half-width 2.9048: 2 - 2.9048 = -0.90, 2 + 2.9048 = 4.90.
        # AUDIT-C: changes +3 (8 down to 5) and -1 (6 up to 7); n = 2, mean 1; sd
        # sqrt(((3-1)^2 + (-1-1)^2)/1) = 2.8284; se 2; t(1 df) = 12.706; 1 -/+ 25.412.
        assert rows == {
            "AUDIT-C alcohol score": {
                "people": "2",
                "mean_change": "1.00",
                "lower": "-24.41",
                "upper": "26.41",
            },
            "Self-reported feeling safe": {
                "people": "4",
                "mean_change": "2.00",
                "lower": "-0.90",
                "upper": "4.90",
            },
        }
        pairs = {r.label: texts(by_intervention, r) for r in by_intervention.rows}
        named = f"{mentoring.name} (Northern Mentoring Trust)"
        # Feeling safe through mentoring: changes 4, 1, 0; mean 5/3 = 1.67; deviations
        # 2.333, -0.667, -1.667, squares sum 8.667, variance 4.333, sd 2.0817, se 1.2019;
        # t(2 df) = 4.303; half-width 5.1716: -3.50 to 6.84. P7's +3 names no intervention:
        # one person, so no interval.
        assert pairs == {
            f"AUDIT-C alcohol score: {named}": {
                "people": "2",
                "mean_change": "1.00",
                "lower": "-24.41",
                "upper": "26.41",
            },
            f"Self-reported feeling safe: {named}": {
                "people": "3",
                "mean_change": "1.67",
                "lower": "-3.50",
                "upper": "6.84",
            },
            "Self-reported feeling safe: No intervention named": {
                "people": "1",
                "mean_change": "3.00",
                "lower": "[x]",
                "upper": "[x]",
            },
        }
        assert by_measure.chart.series == ["mean_change"]
        assert report.summary[:2] == [
            "AUDIT-C alcohol score: a mean change of 1.00 (95% confidence interval -24.41 to "
            "26.41) over 2 people, the interval includes no change.",
            "Self-reported feeling safe: a mean change of 2.00 (95% confidence interval -0.90 "
            "to 4.90) over 4 people, the interval includes no change.",
        ]

    def test_re_referral_beside_the_comparison_group(self, settings, partnership):
        settings.FIGURES_SUPPRESSION = SUPPRESSION_OFF
        report = report_for(set_key="outcomes", filters=eighteen_months())
        table = report.tables[2]
        rows = {r.key: texts(table, r) for r in table.rows}
        # Counted (more than 12 months ago): P1, P2, P4 allocated; P3, P5 not. The
        # re-referrals themselves, P6's and P7's referrals are younger: left out.
        # Allocated: P1 referred again (T-200 is within T-500 + 12 months), P2 not, P4 not
        # (T-50 is after T-450 + 12 months): 1 of 3 = 33.3%.
        # Comparison: P3 again (T-300 within T-460 + 12 months), P5 not: 1 of 2 = 50.0%.
        assert rows == {
            "allocated": {
                "referrals": "3",
                "referred_again": "1",
                "not_referred_again": "2",
                "re_referral_rate": "33.3%",
            },
            "comparison": {
                "referrals": "2",
                "referred_again": "1",
                "not_referred_again": "1",
                "re_referral_rate": "50.0%",
            },
            "total": {
                "referrals": "5",
                "referred_again": "2",
                "not_referred_again": "3",
                "re_referral_rate": "40.0%",
            },
        }
        # Labelled observational, not causal, where it is seen: the title, notes, summary.
        assert "observational, not causal" in table.title
        assert any("Observational, not causal" in note for note in table.notes)
        assert any("Observational, not causal" in note for note in report.notes)
        assert "This is observational, not causal." in report.summary[-1]


@pytest.mark.django_db
def test_the_default_rule_suppresses_small_groups(
    school_caseworker, coordinator, panel_chair, provider_keyworker, charity
):
    """Eight people referred and followed up this month: 5 through mentoring, 3 by the lead
    professional. 8 people is shown as 10 with its mean and interval; 5 and 3 are [c] with
    their means and intervals."""
    lead, keyworker = school_caseworker, provider_keyworker
    mentoring = make_intervention(charity, capacity=8)
    today = timezone.localdate()
    for i in range(8):
        case = case_ready_for_delivery(
            lead, coordinator, panel_chair, person=new_person(lead, f"Default{i}")
        )
        who = lead
        if i < 5:
            allocation_create(actor=lead, case=case, intervention=mentoring, request="Mentoring")
            who = keyworker
        measure = OutcomeMeasure.objects.get(code="feeling_safe")
        for kind, value in (("baseline", 3), ("follow_up", 3 + i % 3)):
            outcome_record(
                actor=who,
                case=case,
                measure=measure,
                kind=kind,
                value=Decimal(value),
                recorded_on=today,
            )
    report = report_for(
        set_key="outcomes", filters=Filters(first_month=this_month(), last_month=this_month())
    )
    by_measure, by_intervention, re_referral = report.tables
    shown = texts(by_measure, by_measure.rows[0])
    # Changes 0, 1, 2, 0, 1, 2, 0, 1: mean 7/8 = 0.875 -> 0.88; squared deviations sum
    # 3 x 0.765625 + 3 x 0.015625 + 2 x 1.265625 = 4.875, variance 4.875/7 = 0.6964, sd
    # 0.8345, se 0.8345/sqrt(8) = 0.2950; t(7 df) = 2.365: half-width 0.6978, 0.18 to 1.57.
    assert shown == {"people": "10", "mean_change": "0.88", "lower": "0.18", "upper": "1.57"}
    for row in by_intervention.rows:
        assert set(texts(by_intervention, row).values()) == {"[c]"}
    # Every referral was made this month: none has had 12 months to be followed up.
    total = texts(re_referral, re_referral.rows[-1])
    assert (total["referrals"], total["re_referral_rate"]) == ("0", "[x]")


def test_twelve_months_after_a_referral_counts_the_anniversary():
    from figures.facts.outcomes import a_year_after

    assert a_year_after(datetime.date(2024, 3, 1)) == datetime.date(2025, 3, 1)
    assert a_year_after(datetime.date(2024, 2, 29)) == datetime.date(2025, 2, 28)


def test_the_t_multiplier_follows_the_tables_and_tends_to_the_normal():
    from figures.intervals import mean_interval, t_975

    # Tabulated two-sided 95% values of Student's t: 7 df 2.365; 40 df 2.021; 120 df 1.980.
    assert t_975(7) == 2.365
    assert abs(t_975(40) - 2.021) < 0.001
    assert abs(t_975(120) - 1.980) < 0.001
    assert abs(t_975(100000) - 1.95996) < 0.0001
    assert mean_interval(mean=3, sd=None, n=1) is None
