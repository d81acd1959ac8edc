"""A school caseworker makes a referral in a real browser, and every page passes axe-core."""

import datetime

import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from tests.factories import years_ago

pytestmark = pytest.mark.browser


def fill_date(page, label_prefix: str, value: datetime.date):
    group = page.get_by_role("group", name=label_prefix)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))


@pytest.mark.django_db(transaction=True)
def test_a_caseworker_makes_a_referral_from_start_to_submission(
    live_server, page, axe_violations, school_caseworker, sign_in
):
    born = years_ago(14, days=-40)
    sign_in(page, school_caseworker)

    page.get_by_role("link", name="Make a referral").click()
    expect(page.get_by_role("heading", name="Find the person")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Family name").fill("Marsh")
    fill_date(page, "Date of birth", born)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No match")).to_be_visible()

    page.get_by_role("link", name="Record someone new").click()
    assert axe_violations(page) == []
    page.get_by_label("Given name").fill("Tyler")
    page.get_by_label("Family name").fill("Marsh")
    fill_date(page, "Date of birth", born)
    page.get_by_label("Male", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="The concern and the risk")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Prevention and early intervention (under 18)").check()
    page.get_by_label("Durham", exact=True).check()
    fill_date(page, "Date of the incident or concern", years_ago(0, days=-1))
    page.get_by_label("What happened, and why are you worried?").fill("Seen with a blade.")
    page.get_by_label("Knife carrying").check()
    page.get_by_label("High", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Consent")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Panel discussion").check()
    page.get_by_label("A parent or guardian").check()
    page.get_by_label("Given", exact=True).check()
    fill_date(page, "Date of the decision", years_ago(0))
    page.get_by_label("In writing").check()
    page.get_by_label("Name of the parent or guardian").fill("Dee Marsh")
    page.get_by_role("button", name="Record consent").click()

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Submit referral").click()

    expect(page.get_by_text("Referral submitted")).to_be_visible()
    assert axe_violations(page) == []
    assert Referral.objects.get().status == "submitted"


@pytest.mark.django_db(transaction=True)
def test_errors_on_the_details_page_are_accessible(
    live_server, page, axe_violations, school_caseworker, sign_in
):
    from tests.factories import make_person

    person = make_person(school_caseworker, date_of_birth=years_ago(19))
    sign_in(page, school_caseworker, f"/referrals/new/{person.pk}/")

    page.get_by_label("Prevention and early intervention (under 18)").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    assert axe_violations(page) == []
