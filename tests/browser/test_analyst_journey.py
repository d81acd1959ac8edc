"""The analyst's work is the partnership's figures: from the home page to each figure set,
filters chosen on the page, a chart drawn beside each table, and a CSV downloaded; the
figures and the record of what was read agree with the database. They read the intervention
catalogue too, and a link to making a referral leads them to the styled "You cannot do
that" page. Every page passes axe-core, at desktop width and on a phone."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from audit.models import AuditEvent, EventKind
from figures.report import figure_sets
from referrals.models import Referral
from tests.factories import make_intervention, partnership_at_work_with
from tests.figures.support import SUPPRESSION_SMALL

pytestmark = pytest.mark.browser


@pytest.fixture
def partnership_at_work(
    school_caseworker, police_officer, coordinator, panel_chair, panel_member, provider_keyworker
):
    return partnership_at_work_with(
        referrer=school_caseworker,
        other_referrer=police_officer,
        coordinator=coordinator,
        chair=panel_chair,
        member=panel_member,
        keyworker=provider_keyworker,
    )


def _both_widths(page, axe_violations):
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})


@pytest.mark.django_db(transaction=True)
def test_the_analyst_reads_every_figure_set_filters_one_and_downloads_it(
    live_server, page, axe_violations, analyst, partnership_at_work, sign_in, settings
):
    settings.FIGURES_SUPPRESSION = SUPPRESSION_SMALL
    sign_in(page, analyst)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work")
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link")).to_have_text(
        ["Interventions", "Figures", "Notifications"]
    )
    expect(page.get_by_role("heading", name="Partnership figures")).to_be_visible()
    _both_widths(page, axe_violations)

    navigation.get_by_role("link", name="Figures").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnership figures")
    _both_widths(page, axe_violations)

    for figure_set in figure_sets():
        page.locator("main").get_by_role("link", name=figure_set.title, exact=True).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(figure_set.title)
        # Its figures, or (for a set whose groups this small partnership leaves too small)
        # the reason they cannot be shown.
        expect(page.locator("table.govuk-table, .govuk-error-summary").first).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("u18_prevention")
        _both_widths(page, axe_violations)

    page.locator("main").get_by_role("link", name="Referrals", exact=True).first.click()
    month = partnership_at_work.opened_at.strftime("%Y-%m")
    page.get_by_label("From", exact=True).select_option(month)
    page.get_by_label("To", exact=True).select_option(month)
    page.get_by_label("Area", exact=True).select_option(label="Durham")
    page.get_by_role("button", name="Show figures").click()
    expect(page).to_have_url(
        f"{live_server.url}/figures/referrals/?from={month}&to={month}&area=durham&pathway="
    )
    label = partnership_at_work.opened_at.strftime("%B %Y")
    expect(page.locator("caption").first).to_contain_text(f"{label}, Durham, all pathways")
    # The chart is drawn from the table beside it, as an image with its own name.
    expect(page.locator("figure canvas[role=img]").first).to_be_visible()
    _both_widths(page, axe_violations)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these figures (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert {row["period"] for row in rows} == {f"{label}, Durham, all pathways"}
    submitted = Referral.objects.exclude(status="draft").filter(area="durham").count()
    total = next(
        r
        for r in rows
        if (r["table"], r["row"], r["column"])
        == ("Referrals by month and pathway", "Total", "All pathways")
    )
    # Rounded to the nearest 5 under this rule, as everywhere.
    assert int(total["value"]) == 5 * round(submitted / 5)

    events = AuditEvent.objects.filter(user=analyst, object_type="figures", object_id="referrals")
    filters = {"from": month, "to": month, "area": "durham"}
    assert [e.details["filters"] for e in events.filter(kind=EventKind.EXPORT)] == [filters]
    assert filters in [e.details["filters"] for e in events.filter(kind=EventKind.ACCESS)]


@pytest.mark.django_db(transaction=True)
def test_the_analyst_reads_the_catalogue_and_is_turned_away_from_referring(
    live_server, browser, page, axe_violations, analyst, charity, sign_in
):
    make_intervention(charity, pathways=["u18_prevention", "adult_18_35"])

    sign_in(page, analyst)
    navigation = page.get_by_role("navigation", name="Menu")
    page.set_viewport_size({"width": 375, "height": 800})
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
        assert axe_violations(other) == []
        other.get_by_role("link", name="Go to your home page").click()
        expect(other.get_by_role("heading", level=1)).to_have_text("Your work")
        assert [(m.text, m.location["url"]) for m in console_errors] == [
            (
                "Failed to load resource: the server responded with a status of 403 (Forbidden)",
                f"{live_server.url}/referrals/new/",
            )
        ]
    finally:
        tab.close()
    assert not Referral.objects.exists()
