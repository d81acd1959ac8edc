"""An IG officer reviews the disclosure rule table from the navigation: each rule in words,
its layered gateways with their citations and the limits of each power; then finds in the
ledger a disclosure the service made under one of them. Web only, every page passing axe."""

import pytest
from playwright.sync_api import expect

from audit.models import AuditEvent, EventKind
from sharing.rules import RULES_BY_ID
from tests.factories import case_ready_for_delivery

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_ig_reviews_the_sharing_rules(
    live_server,
    page,
    axe_violations,
    ig_officer,
    school_caseworker,
    coordinator,
    panel_chair,
    sign_in,
):
    # The panel opened a case on a child's referral: the case went to the lead organisation.
    case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair)
    shared = AuditEvent.objects.get(
        kind=EventKind.DISCLOSURE, object_type="case", object_id=str(case.pk)
    )

    sign_in(page, ig_officer)
    page.get_by_role("link", name="Sharing rules").first.click()
    expect(page.get_by_role("heading", name="Sharing rules", level=1)).to_be_visible()
    assert axe_violations(page) == []

    rule = RULES_BY_ID[shared.basis]
    card = page.locator(f"#rule-{rule.id}")
    expect(card.get_by_role("heading", name=rule.title)).to_be_visible()
    for gateway in rule.gateways():
        expect(card.get_by_text(gateway.citation, exact=True)).to_be_visible()

    s16 = page.locator("#rule-svd-s16")
    expect(
        s16.get_by_text("does not authorise the disclosure of patient information")
    ).to_be_visible()
    s115 = page.locator("#rule-cda-s115")
    expect(s115.get_by_text("only to a relevant authority (s.115(2))")).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 900})
    assert axe_violations(page) == []
