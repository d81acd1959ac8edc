"""The analyst reads the intervention catalogue, the only page their role uses; a link to
making a referral leads them to the styled "You cannot do that" page, whose link home works.
Every page passes axe-core, at desktop width and on a phone."""

import pytest
from playwright.sync_api import expect

from referrals.models import Person, Referral
from tests.factories import make_intervention

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_the_analyst_reads_the_catalogue_and_is_turned_away_from_referring(
    live_server, browser, page, axe_violations, analyst, charity, sign_in
):
    make_intervention(charity, pathways=["u18_prevention", "adult_18_35"])

    sign_in(page, analyst)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link")).to_have_text(["Interventions"])
    assert axe_violations(page) == []

    page.set_viewport_size({"width": 375, "height": 800})
    assert axe_violations(page) == []
    page.get_by_role("button", name="Menu").click()
    navigation.get_by_role("link", name="Interventions").click()

    expect(page.get_by_role("heading", name="Intervention catalogue")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Mentoring for young people")
    expect(row).to_contain_text("Northern Mentoring Trust")
    expect(row).to_contain_text(
        "Prevention and early intervention (18 and under), "
        "Adults aged 18 to 35 involved in serious violence; ages 10 to 17"
    )
    expect(page.locator("main")).not_to_contain_text("u18_prevention")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})
    assert axe_violations(page) == []

    # A link to making a referral, shared by a colleague, opened in a new tab of the same
    # browser. Its own tab: Chromium logs the page's 403 status as a console error, which the
    # ``page`` fixture rightly refuses on the pages that should work.
    tab = browser.new_context(storage_state=page.context.storage_state())
    try:
        console_errors = []
        other = tab.new_page()
        other.on("console", lambda m: m.type == "error" and console_errors.append(m))
        response = other.goto(f"{live_server.url}/referrals/new/")
        assert response.status == 403
        expect(other.get_by_role("heading", level=1)).to_have_text("You cannot do that")
        expect(other.get_by_text("Your role does not allow making referrals.")).to_be_visible()
        expect(other.get_by_role("navigation", name="Menu")).to_be_visible()
        assert axe_violations(other) == []
        other.get_by_role("link", name="Go to your home page").click()
        expect(other.get_by_role("heading", level=1)).to_have_text("Your work")
        assert axe_violations(other) == []
        assert [(m.text, m.location["url"]) for m in console_errors] == [
            (
                "Failed to load resource: the server responded with a status of 403 (Forbidden)",
                f"{live_server.url}/referrals/new/",
            )
        ]
    finally:
        tab.close()

    assert not Person.objects.exists()
    assert not Referral.objects.exists()
