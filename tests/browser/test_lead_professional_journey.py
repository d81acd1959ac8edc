"""The lead professional of a case the panel opened follows the home page's overdue review
to the case, reviews the risk, shares the case with the police, stops sharing and closes the
case, each on its own page, on the web only; every page passes axe-core, also on a phone."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case, CaseShare, CaseStatus, RiskReview
from cases.services import risk_review_record
from tests.factories import opened_case

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 800}


def fill_date(page, legend, date):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(date.day))
    group.get_by_label("Month").fill(str(date.month))
    group.get_by_label("Year").fill(str(date.year))


@pytest.mark.django_db(transaction=True)
def test_the_lead_professional_reviews_shares_stops_sharing_and_closes_the_case(
    live_server,
    page,
    axe_violations,
    school_caseworker,
    coordinator,
    panel_chair,
    police,
    sign_in,
):
    case = opened_case(school_caseworker, coordinator, panel_chair)
    today = timezone.localdate()
    # The last review set the next one two days ago: the review is overdue.
    risk_review_record(
        actor=school_caseworker,
        case=case,
        level="medium",
        rationale="Settling at school",
        reviewed_on=today - datetime.timedelta(days=30),
        next_review_date=today - datetime.timedelta(days=2),
    )

    sign_in(page, school_caseworker)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    overdue = page.get_by_role("heading", name="Risk reviews overdue (1)")
    expect(overdue).to_be_visible()
    assert axe_violations(page) == []
    page.locator("li", has_text="review was due").get_by_role(
        "link", name="Jordan Fletcher"
    ).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Jordan Fletcher")
    assert axe_violations(page) == []
    page.set_viewport_size(PHONE)
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)

    # Review the risk.
    page.get_by_role("link", name="Review the risk").click()
    expect(page.get_by_role("heading", name="Review the risk")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("High").check()
    page.get_by_label("Rationale").fill("Seen with older boys from the county lines group")
    fill_date(page, "Reviewed on", today)
    next_review = today + datetime.timedelta(days=28)
    fill_date(page, "Next review", next_review)
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_role("alert")).to_contain_text("Risk review recorded")
    expect(page.get_by_text(next_review.strftime("%-d %B %Y"), exact=True)).to_be_visible()
    assert axe_violations(page) == []

    # Share the case with the police, for information sharing.
    page.get_by_role("link", name="Share the case").click()
    expect(page.get_by_role("heading", name="Share Jordan Fletcher's case")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Share with").select_option(label="Durham Constabulary")
    page.get_by_label("Information sharing").check()
    page.get_by_role("button", name="Share the case").click()
    expect(page.get_by_role("alert")).to_contain_text("Case shared")
    expect(
        page.get_by_text("Durham Constabulary, for information sharing on consent")
    ).to_be_visible()
    assert axe_violations(page) == []

    # Stop sharing, through its "are you sure" page.
    page.get_by_role("link", name="Stop sharing with Durham Constabulary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to stop sharing with Durham Constabulary?"
    )
    assert axe_violations(page) == []
    page.get_by_label("Reason").fill("The police investigation has ended")
    page.get_by_role("button", name="Yes, stop sharing").click()
    expect(page.get_by_role("alert")).to_contain_text("Sharing stopped")
    expect(
        page.get_by_role("listitem").filter(has_text="Durham Constabulary, for information")
    ).to_contain_text("ended " + today.strftime("%-d %B %Y"))
    assert axe_violations(page) == []

    # Close the case, through its confirmation page.
    page.get_by_role("link", name="Close the case").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to close Jordan Fletcher's case?"
    )
    assert axe_violations(page) == []
    page.get_by_label("Moved out of area").check()
    page.get_by_label("Summary").fill("The family moved to Leeds; the school there is told.")
    page.set_viewport_size(PHONE)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Yes, close the case").click()
    expect(page.get_by_role("alert")).to_contain_text("Case closed")
    expect(page.get_by_text("Moved out of area.")).to_be_visible()
    assert axe_violations(page) == []

    review = RiskReview.objects.filter(case=case).latest("pk")
    assert (review.level, review.reviewed_on, review.next_review_date, review.reviewer) == (
        "high",
        today,
        next_review,
        school_caseworker,
    )
    assert review.rationale == "Seen with older boys from the county lines group"
    share = CaseShare.objects.get(case=case, organisation=police)
    assert share.purpose == "information_sharing"
    assert share.ended_at is not None
    assert share.end_reason == "The police investigation has ended"
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.closure_reason, case.risk_level) == (
        CaseStatus.CLOSED,
        "moved_out_of_area",
        "high",
    )
    assert case.closure_summary == "The family moved to Leeds; the school there is told."
