"""Two coordinators of the same area, each in their own browser: one records a lawful basis
for a purpose the family has not consented to, the other approves it (four eyes). Every
page passes axe-core, at desktop width and on a phone."""

import re

import pytest
from playwright.sync_api import expect

from referrals.consent import consent_record
from referrals.models import LawfulBasis, LawfulBasisStatus
from tests.factories import make_person, submitted_referral, years_ago

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}


def open_the_referral(page, axe_violations):
    expect(page.get_by_role("heading", name="Screening queue")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Tyler Marsh").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Referral of Tyler Marsh")
    assert axe_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_approves_a_lawful_basis_another_coordinator_recorded(
    live_server,
    browser,
    page,
    axe_violations,
    school_caseworker,
    coordinator,
    second_coordinator,
    sign_in,
):
    person = make_person(
        school_caseworker, given_name="Tyler", family_name="Marsh", date_of_birth=years_ago(14)
    )
    referral = submitted_referral(school_caseworker, person=person)
    consent_record(
        actor=school_caseworker,
        referral=referral,
        purposes=["information_sharing"],
        given_by="parent_or_guardian",
        decision="refused",
        decided_on=years_ago(0),
        giver_name="Dee Marsh",
    )

    # The first coordinator records the basis, and is not offered to approve it.
    sign_in(page, coordinator, "/referrals/screening/")
    open_the_referral(page, axe_violations)
    page.get_by_role("link", name="Record a lawful basis").click()
    expect(page.get_by_role("heading", name="Record a lawful basis")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Record the lawful basis").click()
    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Information sharing").check()
    page.get_by_label(
        "Disclosure to a relevant authority (Crime and Disorder Act 1998 s.115)"
    ).check()
    page.get_by_label("Why go ahead without consent?").fill(
        "Seen with a knife twice this month; his parents cannot be reached."
    )
    page.get_by_role("button", name="Record the lawful basis").click()
    expect(page.get_by_text("another coordinator must approve it")).to_be_visible()
    expect(page.get_by_text("Awaiting approval")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Approve"))).to_have_count(0)
    assert axe_violations(page) == []

    # The second coordinator, in a browser of their own, approves it.
    context = browser.new_context()
    try:
        console_errors = []
        other = context.new_page()
        other.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
        sign_in(other, second_coordinator, "/referrals/screening/")
        open_the_referral(other, axe_violations)
        other.get_by_role("link", name="Approve the lawful basis for information sharing").click()
        expect(other.get_by_role("heading", name="Approve this lawful basis")).to_be_visible()
        expect(other.get_by_text("his parents cannot be reached")).to_be_visible()
        assert axe_violations(other) == []
        other.set_viewport_size(PHONE)
        assert axe_violations(other) == []
        other.get_by_role("button", name="Approve the lawful basis").click()
        expect(other.get_by_text("Lawful basis approved")).to_be_visible()
        expect(other.get_by_text(f"By {second_coordinator}")).to_be_visible()
        assert axe_violations(other) == []
        assert console_errors == []
    finally:
        context.close()

    basis = LawfulBasis.objects.get()
    assert basis.status == LawfulBasisStatus.APPROVED
    assert basis.purpose == "information_sharing"
    assert basis.ground == "cda-s115"
    assert basis.recorded_by == coordinator
    assert basis.decided_by == second_coordinator
    assert "information_sharing" in basis.referral.permitted_purposes
