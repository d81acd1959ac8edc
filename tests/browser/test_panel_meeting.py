"""The chair runs a meeting in a real browser: records who attended, decides to open a case
and follows "Open the case"; every page passes axe-core, also on a phone."""

import pytest
from playwright.sync_api import expect

from cases.models import Case, PanelAttendance
from partners.roles import Role
from tests.factories import accepted_referral, make_member, panel_meeting

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_the_chair_records_attendance_and_opens_a_case_from_the_agenda(
    live_server,
    page,
    axe_violations,
    school_caseworker,
    school,
    coordinator,
    panel_chair,
    panel_member,
    durham_council,
    sign_in,
):
    referral = accepted_referral(school_caseworker, coordinator)
    absent = make_member(
        durham_council, Role.PANEL_MEMBER, username="absent-member", first_name="Alex"
    )
    meeting = panel_meeting(coordinator, panel_chair, [panel_member, absent], start=False)

    sign_in(page, panel_chair, f"/panels/{meeting.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Durham panel")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Start the meeting").click()
    expect(page.get_by_text("Meeting started")).to_be_visible()

    page.get_by_text("Record attendance").click()
    register = page.get_by_role("group", name="Who attended?")
    register.get_by_label(f"{panel_chair}, Durham County Council").check()
    register.get_by_label(f"{panel_member}, Emergency Department").check()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance recorded")).to_be_visible()

    page.get_by_text("Record the decision").click()
    page.get_by_label("Open a case").check()
    page.get_by_label("Rationale").fill("Mentoring and school support")
    page.get_by_label("Lead professional (when opening a case)").select_option(
        str(school_caseworker.pk)
    )
    page.get_by_label("Lead organisation (when opening a case)").select_option(str(school.pk))
    page.get_by_role("button", name="Record decision").click()

    expect(page.get_by_text("Decision recorded")).to_be_visible()
    page.get_by_role("link", name="Open the case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jordan Fletcher")
    expect(page.get_by_text("Panel decision: open a case")).to_be_visible()
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert axe_violations(page) == []

    assert Case.objects.get().referrals.get() == referral
    register = dict(
        PanelAttendance.objects.filter(meeting=meeting).values_list("user__username", "attended")
    )
    assert register == {"panel-chair": True, "panel-member": True, "absent-member": False}


@pytest.mark.django_db(transaction=True)
def test_the_chair_decides_an_item_on_a_later_page_of_a_long_agenda(
    live_server, page, axe_violations, school_caseworker, coordinator, panel_chair, sign_in
):
    import uuid

    from referrals.models import Referral

    first = accepted_referral(school_caseworker, coordinator)
    # A long agenda: 30 more items like the first, each waiting a microsecond longer.
    Referral.objects.bulk_create(
        [
            Referral(
                **{
                    **{
                        f.attname: getattr(first, f.attname) for f in Referral._meta.concrete_fields
                    },
                    "id": uuid.uuid4(),
                    "submitted_at": first.submitted_at.replace(microsecond=n),
                }
            )
            for n in range(1, 31)
        ]
    )
    meeting = panel_meeting(coordinator, panel_chair, start=True)

    sign_in(page, panel_chair, f"/panels/{meeting.pk}/")
    expect(page.locator(".govuk-summary-card")).to_have_count(25)
    page.get_by_role("link", name="Next page of the agenda").click()
    expect(page.locator(".govuk-summary-card")).to_have_count(6)
    expect(page.get_by_text("Back to the start of the agenda")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_text("Record the decision").first.click()
    page.get_by_label("Defer to the next meeting").first.check()
    page.get_by_label("Rationale").first.fill("More information from the school first")
    page.get_by_role("button", name="Record decision").first.click()

    # Back on the same page of the agenda, with the decision shown where the item was.
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    expect(page.locator(".govuk-summary-card")).to_have_count(6)
    expect(page.get_by_text("More information from the school first")).to_be_visible()
