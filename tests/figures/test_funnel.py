"""The funnel figure set: hand-computed stages for the small partnership, and the default
rule's suppression of a stage that its whole and the other parts would give away."""

import pytest

from figures.filters import Filters
from figures.selectors import report_for
from referrals.services import referral_screen
from tests.figures.conftest import backdate_referral, day, published, table_of

pytestmark = pytest.mark.django_db


def test_funnel_as_worked_out_by_hand(partnership_of_eight, no_suppression):
    report = report_for(set_key="funnel", filters=partnership_of_eight.filters)

    # From partnership_of_eight's docstring, of 8 submitted: accepted R1, R2, R8; returned
    # R7; declined R3; signposted R4; withdrawn R5; not yet screened R6; returned at least
    # once R2, R7; panel: case opened R1, R8, no further action R2; allocated and started
    # R1, R8; completed R1; disengaged R8. Rates are of 8.
    funnel = table_of(report, "funnel")
    assert published(funnel) == {
        "submitted": ["8", "100.0%"],
        "screened": ["6", "75.0%"],
        "accepted": ["3", "37.5%"],
        "returned": ["1", "12.5%"],
        "declined": ["1", "12.5%"],
        "signposted": ["1", "12.5%"],
        "withdrawn": ["1", "12.5%"],
        "not_yet_screened": ["1", "12.5%"],
        "ever_returned": ["2", "25.0%"],
        "panel_decided": ["3", "37.5%"],
        "case_opened": ["2", "25.0%"],
        "no_further_action": ["1", "12.5%"],
        "panel_signposted": ["0", "0.0%"],
        "awaiting_panel": ["0", "0.0%"],
        "allocated": ["2", "25.0%"],
        "started": ["2", "25.0%"],
        "completed": ["1", "12.5%"],
        "disengaged": ["1", "12.5%"],
    }
    assert funnel.chart.kind == "bar"
    assert funnel.chart.series == ["referrals"]
    assert [c.kind for c in funnel.columns] == ["count", "rate"]
    assert report.summary == [
        "8 referrals were submitted in the period.",
        "37.5% were accepted for panel.",
        "25.0% had a case opened.",
        "25.0% started an intervention.",
        "12.5% completed one.",
    ]


def test_funnel_of_one_month(partnership_of_eight, no_suppression):
    M2 = partnership_of_eight.second_month
    report = report_for(set_key="funnel", filters=Filters(first_month=M2, last_month=M2))

    # R6 not yet screened, R7 returned, R8 accepted, case opened, started, disengaged.
    funnel = published(table_of(report, "funnel"))
    assert funnel["submitted"] == ["3", "100.0%"]
    assert funnel["screened"] == ["2", "66.7%"]
    assert funnel["returned"] == ["1", "33.3%"]
    assert funnel["case_opened"] == ["1", "33.3%"]
    assert funnel["completed"] == ["0", "0.0%"]
    assert funnel["disengaged"] == ["1", "33.3%"]


def test_a_stage_is_hidden_when_its_whole_and_the_other_parts_would_give_it_away(
    busy_month, coordinator, first_month
):
    first, _ = busy_month
    M1 = first_month
    for n, referral in enumerate(first[:8], start=1):
        referral_screen(actor=coordinator, referral=referral, outcome="declined", note="No")
        backdate_referral(referral, screened=day(M1, n + 2))

    report = report_for(set_key="funnel", filters=Filters(first_month=M1, last_month=M1))

    # 9 submitted (shown as 10): 8 declined, 1 not yet screened. The 1 is hidden; screened
    # (8) beside it is hidden since 9 - 8 would give it away, and declined (8) since
    # screened is the sum of the four screening outcomes. Rates of hidden counts are hidden.
    funnel = published(table_of(report, "funnel"))
    assert funnel["submitted"] == ["10", "100.0%"]
    assert funnel["not_yet_screened"] == ["[c]", "[c]"]
    assert funnel["screened"] == ["[c]", "[c]"]
    assert funnel["declined"] == ["[c]", "[c]"]
    assert funnel["accepted"] == ["0", "0.0%"]
    assert funnel["withdrawn"] == ["0", "0.0%"]
    assert report.summary[0] == "10 referrals were submitted in the period."


def test_a_referral_the_panel_signposted_or_deferred_was_accepted_at_screening(
    school_caseworker, coordinator, panel_chair, no_suppression
):
    from cases.services import decision_record
    from figures.filters import this_month
    from tests.factories import accepted_referral, panel_meeting

    signposted = accepted_referral(school_caseworker, coordinator)
    deferred = accepted_referral(school_caseworker, coordinator)
    meeting = panel_meeting(coordinator, panel_chair)
    decision_record(
        actor=panel_chair,
        meeting=meeting,
        referral=signposted,
        outcome="signpost",
        rationale="Better served elsewhere.",
        signpost_service="substance_misuse_service",
    )
    decision_record(
        actor=panel_chair, meeting=meeting, referral=deferred, outcome="defer", rationale="Wait"
    )

    report = report_for(
        set_key="funnel", filters=Filters(first_month=this_month(), last_month=this_month())
    )

    funnel = published(table_of(report, "funnel"))
    assert funnel["accepted"] == ["2", "100.0%"]
    assert funnel["signposted"] == ["0", "0.0%"]  # at screening
    assert funnel["panel_decided"] == ["1", "50.0%"]
    assert funnel["panel_signposted"] == ["1", "50.0%"]
    assert funnel["awaiting_panel"] == ["1", "50.0%"]
