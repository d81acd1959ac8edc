"""A provider keyworker records a contact from their caseload; the pages pass axe-core."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interventions.models import Contact
from interventions.services import allocation_create, allocation_offer, allocation_transition
from tests.factories import case_ready_for_delivery, make_intervention

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_a_keyworker_records_a_contact(
    live_server,
    page,
    axe_violations,
    school_caseworker,
    coordinator,
    panel_chair,
    charity,
    provider_keyworker,
    sign_in,
):
    case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair)
    allocation = allocation_create(
        actor=school_caseworker,
        case=case,
        intervention=make_intervention(charity),
        request="Weekly mentoring",
    )
    allocation_offer(actor=school_caseworker, allocation=allocation)
    allocation_transition(actor=provider_keyworker, allocation=allocation, action="accept")
    allocation_transition(actor=provider_keyworker, allocation=allocation, action="start")

    sign_in(page, provider_keyworker, "/caseload/")
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Jordan Fletcher").click()
    expect(page.get_by_text("Weekly mentoring")).to_be_visible()
    assert axe_violations(page) == []
    today = timezone.localdate()
    group = page.get_by_role("group", name="Date of the contact")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Face to face").check()
    page.get_by_label("Attended", exact=True).check()
    page.get_by_label("Duration in minutes").fill("45")
    page.get_by_role("button", name="Record contact").click()

    expect(page.get_by_text("Contact recorded")).to_be_visible()
    assert axe_violations(page) == []
    assert Contact.objects.get().outcome == "attended"
