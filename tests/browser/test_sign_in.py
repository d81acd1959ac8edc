"""Signing in through a real browser: first sign-in enrols an authenticator; pages pass axe."""

import re

import pytest
from playwright.sync_api import expect

from tests.support import PASSWORD, current_code

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_first_sign_in_enrols_an_authenticator_and_lands_home(
    live_server, page, axe_violations, school_caseworker
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto(f"{live_server.url}/")
    assert page.title().startswith("Sign in")
    assert axe_violations(page) == []
    page.get_by_label("Username").fill("school-caseworker")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert axe_violations(page) == []
    device = TOTPDevice.objects.get(user=school_caseworker, confirmed=False)
    page.get_by_label("Code", exact=True).fill(
        "000000" if current_code(device) != "000000" else "111111"
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert").get_by_text("That code is not right")).to_be_visible()

    page.get_by_label("Code", exact=True).fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert len(page.locator("main code").all()) == 10
    assert axe_violations(page) == []
    page.get_by_role("link", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    expect(page.get_by_role("link", name="Make a referral")).to_be_visible()
    assert page.evaluate("document.body.classList.contains('govuk-frontend-supported')")
    assert axe_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_a_returning_user_enters_a_code_and_a_recovery_code_works_once(
    live_server, page, browser, school_caseworker, sign_in
):
    from partners.two_factor import recovery_codes_issue

    sign_in(page, school_caseworker)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")

    [code, *_] = recovery_codes_issue(user=school_caseworker)
    for expected in ("Your work", "Enter your code"):
        context = browser.new_context()
        fresh = context.new_page()
        fresh.goto(f"{live_server.url}/sign-in/")
        fresh.get_by_label("Username").fill("school-caseworker")
        fresh.get_by_label("Password").fill(PASSWORD)
        fresh.get_by_role("button", name="Sign in").click()
        fresh.get_by_label("Code", exact=True).fill(code)
        fresh.get_by_role("button", name="Continue").click()
        expect(fresh.get_by_role("heading", level=1)).to_have_text(expected)
        context.close()


@pytest.mark.django_db(transaction=True)
def test_wrong_details_are_announced_accessibly(
    live_server, page, axe_violations, school_caseworker
):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Username").fill("school-caseworker")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert").get_by_text("There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    assert axe_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_navigation_folds_behind_a_menu_button(
    live_server, page, axe_violations, coordinator, sign_in
):
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, coordinator)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    menu = page.get_by_role("button", name="Menu")
    screening = page.get_by_role("link", name="Screening", exact=True)
    expect(menu).to_be_visible()
    expect(screening).to_be_hidden()
    assert axe_violations(page) == []
    menu.click()
    expect(screening).to_be_visible()
    screening.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Screening")
    assert axe_violations(page) == []
