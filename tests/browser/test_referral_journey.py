"""A school caseworker makes a referral in a real browser, one question per page, and every
page passes axe-core. After signing in, everything happens through the pages."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from referrals.models import Consent, Participation, Referral
from tests.factories import years_ago

pytestmark = pytest.mark.browser


def fill_date(page, legend: str, value: datetime.date):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))


def continue_to(page, heading: str, axe_violations):
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    assert axe_violations(page) == [], heading


@pytest.mark.django_db(transaction=True)
def test_a_caseworker_refers_with_three_risk_factors_and_two_consent_purposes(
    live_server, page, axe_violations, school_caseworker, sign_in
):
    born = years_ago(14, days=-40)
    sign_in(page, school_caseworker)

    page.get_by_role("link", name="Make a referral").first.click()
    expect(page.get_by_role("heading", name="Find the person")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Family name").fill("Marsh")
    fill_date(page, "Date of birth", born)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No match")).to_be_visible()
    # Posted: the name and date of birth are not in the address (logs, history).
    assert "Marsh" not in page.url
    assert "?" not in page.url

    page.get_by_role("link", name="Record someone new").click()
    expect(page.get_by_role("heading", name="Record the person")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Given name").fill("Tyler")
    page.get_by_label("Family name").fill("Marsh")
    fill_date(page, "Date of birth", born)
    page.get_by_label("Male", exact=True).check()
    # Equality information: the background under its group, then disability.
    page.get_by_role("group", name="Asian or Asian British").get_by_label("Pakistani").check()
    page.get_by_role("group", name=re.compile("12 months or more")).get_by_label(
        "Yes", exact=True
    ).check()
    continue_to(page, "Choose the pathway", axe_violations)

    page.get_by_label("Prevention and early intervention (18 and under)").check()
    continue_to(page, "The incident or concern", axe_violations)

    page.get_by_label("Durham", exact=True).check()
    fill_date(page, "Date of the incident or concern", years_ago(0, days=-1))
    page.get_by_label("Where did it happen?").fill("School gates")
    continue_to(page, "Risk", axe_violations)

    # Several answers at once: checkboxes, not radios.
    for factor in ("Knife carrying", "Criminal exploitation", "Gang association"):
        page.get_by_label(factor, exact=True).check()
    page.get_by_label("High", exact=True).check()
    continue_to(page, "What happened", axe_violations)

    page.get_by_label("What happened, and why are you worried?").fill("Seen with a blade.")
    continue_to(page, "Consent to sharing", axe_violations)

    page.get_by_label("Assessment", exact=True).check()
    page.get_by_label("Panel discussion", exact=True).check()
    page.get_by_label("A parent or guardian").check()
    page.get_by_label("Given", exact=True).check()
    fill_date(page, "Date of the decision", years_ago(0))
    page.get_by_label("In writing").check()
    page.get_by_label("Name of the parent or guardian").fill("Dee Marsh")
    # Taking part in an intervention is asked on a page of its own, apart from consent.
    continue_to(page, "Agreement to take part", axe_violations)
    page.get_by_label("Yes, they agree to take part").check()
    page.get_by_label("A parent or guardian").check()
    page.get_by_label("Verbally").check()
    page.get_by_label("Name of the parent or guardian").fill("Sam Marsh")
    continue_to(page, "Check your answers before submitting the referral", axe_violations)
    for shown in (
        "Asian or Asian British: Pakistani",
        "Criminal exploitation",
        "Gang association",
        "Panel discussion",
        "Dee Marsh",
    ):
        expect(page.get_by_text(shown, exact=True)).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 800})
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("link", name="Change what happened, and why are you worried?").click()
    narrative = page.get_by_label("What happened, and why are you worried?")
    expect(narrative).to_have_value("Seen with a blade.")
    assert axe_violations(page) == []
    narrative.fill("Seen with a blade near the school gates.")
    continue_to(page, "Check your answers before submitting the referral", axe_violations)
    expect(page.get_by_text("Seen with a blade near the school gates.")).to_be_visible()
    expect(page.get_by_text("Knife carrying", exact=True)).to_be_visible()

    page.get_by_role("button", name="Submit referral").click()
    expect(page.get_by_text("Referral submitted")).to_be_visible()
    assert axe_violations(page) == []

    referral = Referral.objects.get()
    assert referral.status == "submitted"
    assert sorted(referral.risk_factors) == [
        "criminal_exploitation",
        "gang_association",
        "knife_carrying",
    ]
    assert referral.narrative == "Seen with a blade near the school gates."
    assert (referral.person.ethnicity, referral.person.disability) == ("asian_pakistani", "yes")
    consents = Consent.objects.filter(referral=referral)
    assert sorted(consents.values_list("purpose", flat=True)) == [
        "assessment",
        "panel_discussion",
    ]
    agreement = Participation.objects.get(referral=referral)
    assert (agreement.given_by, agreement.decision, agreement.method) == (
        "parent_or_guardian",
        "agreed",
        "verbal",
    )
    assert agreement.giver_name == "Sam Marsh"
