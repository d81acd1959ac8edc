"""A referrer submits a referral; the coordinator of the area sees the unread count in the
header, opens the notification, reaches the referral, comes back and marks it read. Each
page passes axe-core, on a desktop and on a phone."""

import re

import pytest
from playwright.sync_api import expect

from notifications.models import Kind, Notification
from tests.factories import give_consent, make_person, make_referral, years_ago

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_is_told_of_a_submitted_referral_and_marks_it_read(
    live_server, browser, page, axe_violations, school_caseworker, coordinator, sign_in
):
    person = make_person(
        school_caseworker, given_name="Kai", family_name="Lowther", date_of_birth=years_ago(15)
    )
    draft = make_referral(school_caseworker, person=person)
    give_consent(school_caseworker, draft)

    # The referrer submits from "Check your answers".
    sign_in(page, school_caseworker, f"/referrals/{draft.pk}/check/")
    page.get_by_role("button", name="Submit referral").click()
    expect(page.get_by_text("Referral submitted: a coordinator will screen it")).to_be_visible()
    # Nobody tells the referrer of their own submission.
    expect(page.locator("#unread-count")).to_have_count(0)

    # The coordinator, in a browser of their own, sees one unread in the header.
    context = browser.new_context()
    try:
        console_errors = []
        coordinators = context.new_page()
        coordinators.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
        sign_in(coordinators, coordinator)
        header = coordinators.get_by_role("link", name="Notifications 1 unread")
        expect(header).to_be_visible()
        assert axe_violations(coordinators) == []
        coordinators.set_viewport_size(PHONE)
        coordinators.get_by_role("button", name="Menu").click()
        header.click()
        expect(coordinators.get_by_role("heading", name="Notifications")).to_be_visible()
        assert axe_violations(coordinators) == []
        coordinators.set_viewport_size({"width": 1280, "height": 900})
        assert axe_violations(coordinators) == []

        coordinators.get_by_role("link", name=Kind.REFERRAL_SUBMITTED.label).click()
        expect(coordinators.get_by_role("heading", level=1)).to_contain_text(
            "Referral of Kai Lowther"
        )

        coordinators.get_by_role("link", name="Notifications").click()
        # Its name goes on to say which (the words a screen reader hears after it).
        coordinators.get_by_role("button", name=re.compile("^Mark as read")).click()
        expect(coordinators.get_by_text("Read", exact=True)).to_be_visible()
        expect(coordinators.locator("#unread-count")).to_have_count(0)
        assert axe_violations(coordinators) == []

        coordinators.get_by_role("link", name="Choose which are emailed to you").click()
        expect(coordinators.get_by_role("heading", name="Email notifications")).to_be_visible()
        assert axe_violations(coordinators) == []
        coordinators.get_by_label(Kind.REFERRAL_SUBMITTED.label).check()
        coordinators.get_by_role("button", name="Save").click()
        expect(coordinators.get_by_text("Your email choices are saved")).to_be_visible()
        assert console_errors == []
    finally:
        context.close()

    notification = Notification.objects.get(recipient=coordinator)
    assert notification.subject_id == str(draft.pk)
    assert notification.read_at is not None
