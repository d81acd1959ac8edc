"""A caseworker signs in through a real browser and lands on an accessible home page."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"


@pytest.mark.django_db(transaction=True)
def test_a_caseworker_signs_in_and_sees_the_home_page(
    live_server, page, axe_violations, school_caseworker
):
    page.goto(f"{live_server.url}/")
    assert page.title().startswith("Sign in")
    assert axe_violations(page) == []

    page.get_by_label("Username").fill("school-caseworker")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("What you can do next")
    expect(page.get_by_role("link", name="Make a referral")).to_be_visible()
    # The GOV.UK stylesheet and its script both loaded: the page is styled and enhanced.
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith(
        '"GDS Transport"'
    ) or (page.evaluate("document.body.classList.contains('govuk-frontend-supported')"))
    assert axe_violations(page) == []


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
