"""The analyst imports the Serious Violence Duty's area measures: from the figures home to
the upload page, which describes the file's columns and offers a template; a file with a
bad row is refused with an error summary naming the row and column, and nothing is
written; the corrected file is imported and its figures are listed, as stored. Every page
passes axe-core, at desktop width and on a phone."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from figures.models import AreaMeasure

pytestmark = pytest.mark.browser

HEADINGS = b"measure,other_name,area,period_start,period_end,value,unit,source,source_date\n"
SNA = b"Durham and Darlington Serious Violence Strategic Needs Assessment 2024"
GOOD = (
    HEADINGS
    + b"annual_cost,,countywide,2022-04,2023-03,131000000,,"
    + SNA
    + b",2024-01-31\n"
    + b"cost_per_resident,,countywide,2022-04,2023-03,208,,"
    + SNA
    + b",2024-01-31\n"
    + b"sharp_object_admissions,,darlington,2023-04,2024-03,9,,"
    + SNA
    + b",2024-07-24\n"
)
BAD = HEADINGS + b"homicides,,durham,2022-04-15,2023-03,3,," + SNA + b",2024-01-31\n"


def csv_file(content: bytes) -> dict:
    return {"name": "measures.csv", "mimeType": "text/csv", "buffer": content}


def both_widths(page, axe_violations):
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        assert axe_violations(page) == [], f"at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


@pytest.mark.django_db(transaction=True)
def test_the_analyst_uploads_the_area_measures(
    live_server, browser, page, axe_violations, analyst, sign_in
):
    sign_in(page, analyst, next_url="/figures/")
    page.get_by_role("link", name="Area measures imported from published sources").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Serious Violence Duty area measures")
    expect(page.get_by_text("No measures have been imported.")).to_be_visible()
    both_widths(page, axe_violations)

    page.get_by_role("link", name="Import measures from a CSV file").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Import Serious Violence Duty area measures"
    )
    columns = page.get_by_role("table", name="The file's columns")
    expect(columns).to_contain_text("period_start")
    expect(columns).to_contain_text("A year's figure spans 12 months.")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download a template CSV file").click()
    assert download.value.suggested_filename == "area-measures-template.csv"
    both_widths(page, axe_violations)

    # The bad file in a tab of its own: Chromium logs the page's 400 as a console error,
    # which the ``page`` fixture rightly refuses on the pages that should work.
    tab = browser.new_context(storage_state=page.context.storage_state())
    try:
        console_errors = []
        other = tab.new_page()
        other.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
        other.goto(f"{live_server.url}/figures/measures/import/")
        other.get_by_label("Upload a CSV file").set_input_files(csv_file(BAD))
        other.get_by_role("button", name="Import the measures").click()
        summary = other.get_by_role("alert")
        expect(summary).to_contain_text("There is a problem")
        expect(summary).to_contain_text("Row 2, column period_start: Not a whole month")
        expect(other).to_have_title(re.compile(r"^Error: Import Serious Violence Duty area"))
        both_widths(other, axe_violations)
        summary.get_by_role("link").first.click()
        expect(other.get_by_label("Upload a CSV file")).to_be_focused()
        assert len(console_errors) == 1
        assert "400" in console_errors[0]
    finally:
        tab.close()
    assert not AreaMeasure.objects.exists()

    page.get_by_label("Upload a CSV file").set_input_files(csv_file(GOOD))
    page.get_by_role("button", name="Import the measures").click()
    expect(page.get_by_text("Imported 3 figures: 3 new, 0 replaced")).to_be_visible()
    table = page.get_by_role("table", name="Imported measures")
    cost = table.get_by_role("row").filter(has_text="Annual cost of serious violence (£)")
    expect(cost).to_contain_text("131,000,000")
    expect(cost).to_contain_text("April 2022 to March 2023")
    expect(cost).to_contain_text("County Durham and Darlington (whole partnership)")
    expect(table).to_contain_text("Published 31 January 2024")
    expect(page.locator("main")).not_to_contain_text("sharp_object_admissions")
    both_widths(page, axe_violations)

    stored = {m.measure: m for m in AreaMeasure.objects.all()}
    assert set(stored) == {"annual_cost", "cost_per_resident", "sharp_object_admissions"}
    assert stored["annual_cost"].value == Decimal("131000000")
    assert stored["cost_per_resident"].value == Decimal("208")
    admissions = stored["sharp_object_admissions"]
    assert (admissions.area, admissions.value, admissions.unit) == ("darlington", 9, "admissions")
    assert (admissions.period_start, admissions.period_end) == (
        datetime.date(2023, 4, 1),
        datetime.date(2024, 3, 31),
    )
    assert admissions.source == SNA.decode()
    assert admissions.imported_by == analyst
