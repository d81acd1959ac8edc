"""An IG officer finds a person as they know them, reads who looked at their records, places
and lifts a legal hold, and prepares and releases a subject access export: web only after
signing in, every page passing axe-core (and one at phone width)."""

import json

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from audit.models import AuditEvent, LegalHold, SubjectAccessRelease
from tests.factories import make_person, submitted_referral, years_ago

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_ig_finds_a_person_holds_their_records_and_releases_an_export(
    live_server, page, axe_violations, school_caseworker, ig_officer, sign_in
):
    born = years_ago(15, days=-20)
    tyler = make_person(
        school_caseworker, given_name="Tyler", family_name="Ashworth", date_of_birth=born
    )
    submitted_referral(school_caseworker, person=tyler)

    sign_in(page, ig_officer)
    page.get_by_role("link", name="Find a person").first.click()
    expect(page.get_by_role("heading", name="Find a person")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Family name").fill("ashworth")
    group = page.get_by_role("group", name="Date of birth")
    group.get_by_label("Day").fill(str(born.day))
    group.get_by_label("Month").fill(str(born.month))
    group.get_by_label("Year").fill(str(born.year))
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="1 person found")).to_be_visible()
    assert axe_violations(page) == []
    # The terms went in the POST body: nothing of them in the address (history, access logs).
    assert "?" not in page.url
    search = AuditEvent.objects.get(user=ig_officer, action="find_people")
    assert "Ashworth" not in search.content

    page.get_by_role("link", name="Tyler Ashworth").click()
    expect(page.get_by_role("heading", name="Access history of Tyler Ashworth")).to_be_visible()
    expect(page.get_by_text("found Tyler Ashworth's personal details in a search")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Place a legal hold").click()
    expect(page.get_by_role("heading", name="Place a legal hold")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Why must these records be kept?").fill("Civil claim against the council")
    page.get_by_role("button", name="Place the legal hold").click()

    expect(page.get_by_text("Legal hold placed", exact=True)).to_be_visible()
    hold = LegalHold.objects.get(person=tyler)
    assert (hold.reason, hold.placed_by_id, hold.lifted_at) == (
        "Civil claim against the council",
        ig_officer.pk,
        None,
    )

    page.get_by_role("link", name="Lift the legal hold").click()
    expect(page.get_by_role("heading", name="Are you sure you want to lift")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Why can the hold be lifted?").fill("The claim was settled")
    page.get_by_role("button", name="Yes, lift the legal hold").click()

    expect(page.get_by_text("Legal hold lifted", exact=True)).to_be_visible()
    hold.refresh_from_db()
    assert (hold.lift_reason, hold.lifted_by_id) == ("The claim was settled", ig_officer.pk)
    assert hold.lifted_at is not None

    page.get_by_role("link", name="Prepare a subject access export").click()
    expect(page.get_by_role("heading", name="Everything held about Tyler Ashworth")).to_be_visible()
    expect(page.get_by_text("Not released to the person yet")).to_be_visible()
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as JSON").click()
    with open(download.value.path()) as file:
        assert json.load(file)["people"][0]["family_name"] == "Ashworth"

    page.get_by_role("link", name="Release to the person").click()
    expect(page.get_by_role("heading", name="Are you sure")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("How was the export given to the person?").fill("Handed over in person")
    page.get_by_role("button", name="Yes, record the release").click()

    expect(page.get_by_text("Release to the person recorded")).to_be_visible()
    release = SubjectAccessRelease.objects.get(person=tyler)
    assert (release.released_by_id, release.delivery) == (ig_officer.pk, "Handed over in person")
    today = timezone.localdate()
    released = f"Released to the person on {today.day} {today:%B %Y} by {ig_officer}"
    expect(page.get_by_text(released)).to_be_visible()
    assert axe_violations(page) == []
