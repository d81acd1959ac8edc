"""The timeliness figure set: medians and 90th percentiles worked out by hand for the small
partnership, and the default rule hiding them over small groups."""

import pytest

from figures.filters import Filters
from figures.selectors import report_for
from referrals.services import referral_screen
from tests.figures.conftest import backdate_referral, day, published, table_of

pytestmark = pytest.mark.django_db


def test_timeliness_as_worked_out_by_hand(partnership_of_eight, no_suppression):
    report = report_for(set_key="timeliness", filters=partnership_of_eight.filters)

    # Days, from partnership_of_eight's docstring (percentile_cont interpolates: the p-th
    # percentile of n sorted values is at position p * (n - 1) counting from 0):
    # - submitted to screening: R1 2, R2 7, R3 1, R4 4, R7 3, R8 3 -> 1 2 3 3 4 7: median
    #   (3 + 3) / 2 = 3.0; 90th at 4.5, between 4 and 7: 5.5.
    # - screening to decision (deferrals aside): R1 5, R2 6, R8 7: median 6.0; 90th at 1.8:
    #   6.8.
    # - decision to first attended contact: R1 14 - 9 = 5, R8 22 - 13 = 9: median 7.0;
    #   90th at 0.9: 5 + 0.9 * 4 = 8.6.
    # - waiting list: R8, 13 to 20: 7.
    steps = table_of(report, "steps")
    assert published(steps) == {
        "screening": ["6", "3.0 days", "5.5 days"],
        "decision": ["3", "6.0 days", "6.8 days"],
        "contact": ["2", "7.0 days", "8.6 days"],
        "waiting": ["1", "7.0 days", "7.0 days"],
    }
    assert [c.kind for c in steps.columns] == ["count", "days", "days"]
    assert steps.chart.series == ["median", "p90"]

    # By pathway: screening for prevention is 1 2 3 3 7 (median 3.0; 90th at 3.6: 3 + 0.6 *
    # 4 = 5.4), for adults R4's 4 alone; other pathways have none ([x]: not available).
    assert published(table_of(report, "screening_by_pathway")) == {
        "u18_prevention": ["5", "3.0 days", "5.4 days"],
        "nte_alcohol": ["0", "[x]", "[x]"],
        "adult_18_35": ["1", "4.0 days", "4.0 days"],
        "da_knife_repeat": ["0", "[x]", "[x]"],
        "total": ["6", "3.0 days", "5.5 days"],
    }
    assert published(table_of(report, "contact_by_pathway"))["u18_prevention"] == [
        "2", "7.0 days", "8.6 days",
    ]  # fmt: skip
    assert report.summary == [
        "Half of referrals were screened within 3.0 days of being submitted, and nine in ten "
        "within 5.5 days.",
        "Half of accepted referrals had a panel decision within 6.0 days of screening, and "
        "nine in ten within 6.8 days.",
        "Half of people first attended a contact within 7.0 days of the panel's decision, and "
        "nine in ten within 8.6 days.",
        "Half of people on a waiting list were offered a place within 7.0 days, and nine in "
        "ten within 7.0 days.",
    ]


def test_timeliness_of_one_pathway_has_no_tables_by_pathway(partnership_of_eight, no_suppression):
    report = report_for(
        set_key="timeliness",
        filters=Filters(
            first_month=partnership_of_eight.first_month,
            last_month=partnership_of_eight.second_month,
            pathway="adult_18_35",
        ),
    )
    assert [t.key for t in report.tables] == ["steps"]
    # R4 alone: screened in 4 days, never decided by a panel.
    assert published(report.tables[0]) == {
        "screening": ["1", "4.0 days", "4.0 days"],
        "decision": ["0", "[x]", "[x]"],
        "contact": ["0", "[x]", "[x]"],
        "waiting": ["0", "[x]", "[x]"],
    }
    assert report.summary[1] == "Screening to panel decision: none in the period."


def test_the_default_rule_shows_8_as_10_and_hides_a_median_over_a_hidden_count(
    busy_month, coordinator, darlington_coordinator, first_month
):
    first, _ = busy_month
    M1 = first_month
    # The eight prevention referrals (submitted on days 1 to 8) each screened two days on.
    for n, referral in enumerate(first[:8], start=1):
        referral_screen(actor=coordinator, referral=referral, outcome="declined", note="No")
        backdate_referral(referral, screened=day(M1, n + 2))
    filters = Filters(first_month=M1, last_month=M1)

    report = report_for(set_key="timeliness", filters=filters)

    # 8 screened, shown as 10, all in 2 days.
    assert published(table_of(report, "screening_by_pathway")) == {
        "u18_prevention": ["10", "2.0 days", "2.0 days"],
        "nte_alcohol": ["0", "[x]", "[x]"],
        "adult_18_35": ["0", "[x]", "[x]"],
        "da_knife_repeat": ["0", "[x]", "[x]"],
        "total": ["10", "2.0 days", "2.0 days"],
    }

    # The adult referral (submitted on day 9) screened in 3 days.
    referral_screen(actor=darlington_coordinator, referral=first[8], outcome="declined", note="No")
    backdate_referral(first[8], screened=day(M1, 12))
    report = report_for(set_key="timeliness", filters=filters)

    # 9 screened: the adult's 1 is hidden with its median, and the prevention 8 beside it
    # (9 - 8 would give it away) with its median too. The total of 9 is shown as 10, with
    # its median (eight 2s and a 3: 2.0) and 90th percentile (at 7.2: 2 + 0.2 * 1 = 2.2).
    assert published(table_of(report, "screening_by_pathway")) == {
        "u18_prevention": ["[c]", "[c]", "[c]"],
        "nte_alcohol": ["0", "[x]", "[x]"],
        "adult_18_35": ["[c]", "[c]", "[c]"],
        "da_knife_repeat": ["0", "[x]", "[x]"],
        "total": ["10", "2.0 days", "2.2 days"],
    }
    assert published(table_of(report, "steps"))["screening"] == ["10", "2.0 days", "2.2 days"]
    assert report.summary[0] == (
        "Half of referrals were screened within 2.0 days of being submitted, and nine in ten "
        "within 2.2 days."
    )
    assert report.summary[1] == "Screening to panel decision: none in the period."
