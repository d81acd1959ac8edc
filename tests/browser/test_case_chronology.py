"""The lead professional pages back through a long chronology on the case page by its
cursor ("Older", then "Newest"), adds a note on the web and finds it at the top, stored
as written; on the web only, every page passing axe-core."""

import pytest
from playwright.sync_api import expect

from cases.models import CaseNote
from cases.pages import TIMELINE_PAGE_SIZE
from cases.services import note_add
from tests.factories import opened_case

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_the_chronology_pages_back_by_its_cursor_and_a_new_note_tops_it(
    live_server, page, axe_violations, school_caseworker, coordinator, panel_chair, sign_in
):
    case = opened_case(school_caseworker, coordinator, panel_chair)
    # More notes than a page shows, so the oldest is only on an older page.
    for n in range(TIMELINE_PAGE_SIZE + 3):
        note_add(actor=school_caseworker, case=case, text=f"Contact note number {n:02d}")
    newest, oldest = f"Contact note number {TIMELINE_PAGE_SIZE + 2:02d}", "Contact note number 00"

    sign_in(page, school_caseworker, next_url=f"/cases/{case.pk}/")
    chronology = page.locator("ol.govuk-list").first
    expect(chronology).to_contain_text(newest)
    expect(chronology).not_to_contain_text(oldest)
    pages = page.get_by_role("navigation", name="Chronology pages")
    expect(pages.get_by_role("link", name="Newest")).to_have_count(0)
    assert axe_violations(page) == []

    pages.get_by_role("link", name="Older").click()
    expect(chronology).to_contain_text(oldest)
    expect(chronology).not_to_contain_text(newest)
    assert "cursor=" in page.url
    assert axe_violations(page) == []

    pages.get_by_role("link", name="Newest").click()
    expect(chronology).to_contain_text(newest)
    expect(pages.get_by_role("link", name="Newest")).to_have_count(0)

    page.get_by_role("link", name="Add a note").click()
    page.get_by_label("Note").fill("Spoke to the school; attendance improving")
    page.get_by_role("button", name="Add the note").click()
    expect(page.locator("ol.govuk-list").first.locator("li").first).to_contain_text(
        "Spoke to the school; attendance improving"
    )
    stored = CaseNote.objects.filter(case=case).latest("created_at")
    assert (stored.text, stored.author_id) == (
        "Spoke to the school; attendance improving",
        school_caseworker.pk,
    )
