"""A provider keyworker records a contact from their caseload and completes the allocation
through its confirmation page; every page passes axe-core, also on a phone."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interventions.models import Allocation, Contact
from interventions.services import allocation_create, allocation_offer, allocation_transition
from tests.factories import case_ready_for_delivery, make_intervention

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_a_keyworker_records_a_contact_and_completes_the_allocation(
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
    page.get_by_role("link", name="Record a contact").click()
    today = timezone.localdate()
    group = page.get_by_role("group", name="Date of the contact")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Face to face").check()
    page.get_by_label("Attended", exact=True).check()
    page.get_by_label("Duration in minutes").fill("45")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Record the contact").click()

    expect(page.get_by_text("Contact recorded")).to_be_visible()
    expect(page.get_by_role("cell", name=today.strftime("%-d %B %Y"))).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 800})
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("link", name="Complete the allocation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Are you sure")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Yes, complete the allocation").click()
    expect(page.get_by_text("Allocation updated")).to_be_visible()

    contact = Contact.objects.get()
    assert (contact.contact_type, contact.outcome, contact.duration_minutes) == (
        "face_to_face",
        "attended",
        45,
    )
    assert Allocation.objects.get().status == "completed"
