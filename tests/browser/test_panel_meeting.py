"""The chair runs a meeting in a real browser; the meeting and case pages pass axe-core."""

import pytest
from playwright.sync_api import expect

from cases.models import Case
from tests.factories import accepted_referral, panel_meeting

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_the_chair_opens_a_case_from_the_agenda(
    live_server,
    page,
    axe_violations,
    school_caseworker,
    school,
    coordinator,
    panel_chair,
    sign_in,
):
    referral = accepted_referral(school_caseworker, coordinator)
    meeting = panel_meeting(coordinator, panel_chair, start=False)

    sign_in(page, panel_chair, f"/panels/{meeting.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Durham panel")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Start the meeting").click()
    expect(page.get_by_text("Meeting started")).to_be_visible()

    page.get_by_text("Record the decision").click()
    page.get_by_label("Open a case").check()
    page.get_by_label("Rationale").fill("Mentoring and school support")
    page.get_by_label("Lead professional (when opening a case)").select_option(
        str(school_caseworker.pk)
    )
    page.get_by_label("Lead organisation (when opening a case)").select_option(str(school.pk))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Record decision").click()

    expect(page.get_by_text("Decision recorded")).to_be_visible()
    page.get_by_role("link", name="Open the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Case of Jordan Fletcher")
    expect(page.get_by_text("Panel decision: open a case")).to_be_visible()
    assert axe_violations(page) == []
    assert Case.objects.get().referrals.get() == referral
