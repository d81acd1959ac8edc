"""A panel member follows the home page's "Next panel" to the meeting and reads its agenda,
and on a phone finds the panels behind the Menu button; the role only reads, so nothing
changes. Every page passes axe-core, at desktop width and on a phone."""

import pytest
from playwright.sync_api import expect

from cases.models import PanelAttendance, PanelDecision, PanelMeeting
from cases.selectors import agenda_size as size_of_agenda
from tests.factories import accepted_referral, panel_meeting

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_a_panel_member_reads_the_agenda_of_their_next_panel(
    live_server,
    page,
    axe_violations,
    school_caseworker,
    coordinator,
    panel_chair,
    panel_member,
    sign_in,
):
    referral = accepted_referral(school_caseworker, coordinator)
    meeting = panel_meeting(coordinator, panel_chair, [panel_member], start=False)
    agenda_size = size_of_agenda(meeting)
    assert agenda_size == 1

    sign_in(page, panel_member)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    expect(page.get_by_role("heading", name="Next panel")).to_be_visible()
    expect(page.get_by_text(f"{agenda_size} referral on the agenda (scheduled)")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name=f"{meeting.get_area_display()} panel,").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(str(meeting))
    expect(page.get_by_text(f"Chair: {panel_chair}")).to_be_visible()
    agenda = page.locator(".govuk-summary-card")
    expect(agenda).to_have_count(agenda_size)
    expect(agenda.get_by_role("heading", level=3)).to_have_text(
        "1. Jordan Fletcher: Prevention and early intervention (18 and under)"
    )
    expect(agenda).to_contain_text(referral.narrative)
    expect(agenda).to_contain_text("Riverside Academy")
    # A member reads the meeting; running it is the chair's.
    expect(page.get_by_role("button", name="Start the meeting")).to_have_count(0)
    expect(page.get_by_text("Record the decision")).to_have_count(0)
    expect(page.get_by_text("Record attendance")).to_have_count(0)
    assert axe_violations(page) == []

    page.set_viewport_size({"width": 375, "height": 800})
    menu = page.get_by_role("button", name="Menu")
    panels = page.get_by_role("link", name="Panels", exact=True)
    expect(menu).to_be_visible()
    expect(panels).to_be_hidden()
    assert axe_violations(page) == []
    menu.click()
    expect(panels).to_be_visible()
    panels.click()

    expect(page.get_by_role("heading", name="Panel meetings")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=str(panel_chair))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(meeting.get_area_display())
    expect(row).to_contain_text(meeting.get_status_display())
    # Arranging a panel is the coordinator's.
    expect(page.get_by_role("heading", name="Arrange a panel meeting")).to_have_count(0)
    assert axe_violations(page) == []
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(str(meeting))
    assert axe_violations(page) == []

    meeting = PanelMeeting.objects.get(pk=meeting.pk)
    assert meeting.status == "scheduled"
    assert not PanelDecision.objects.exists()
    assert not PanelAttendance.objects.filter(attended__isnull=False).exists()
    referral.refresh_from_db()
    assert referral.status == "accepted_for_panel"
