"""A school caseworker records, through the pages only, a parent's agreement that their
child takes part in an intervention, apart from consent to sharing; later withdraws it,
with the reason, and delivery stops at once: the allocation is withdrawn and the provider
no longer sees who the child is. Every page passes axe-core."""

import re

import pytest
from playwright.sync_api import expect

from interventions.models import Allocation
from interventions.services import allocation_create, allocation_offer, allocation_transition
from referrals.models import Participation
from tests.factories import make_intervention, opened_case, years_ago

pytestmark = pytest.mark.browser


def fill_date(page, legend, value):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))


@pytest.mark.django_db(transaction=True)
def test_a_caseworker_records_agreement_to_take_part_then_withdraws_it(
    live_server,
    page,
    axe_violations,
    school_caseworker,
    coordinator,
    panel_chair,
    provider_keyworker,
    charity,
    sign_in,
):
    case = opened_case(school_caseworker, coordinator, panel_chair, given_name="Tyler")
    referral = case.referrals.get()
    sign_in(page, school_caseworker, f"/referrals/{referral.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Referral of Tyler")
    expect(
        page.get_by_role("heading", name="Agreement to take part in an intervention")
    ).to_be_visible()
    expect(page.get_by_text("No decision about taking part is recorded yet.")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Record agreement to take part").click()
    expect(page.get_by_role("heading", name="Record agreement to take part")).to_be_visible()
    assert axe_violations(page) == []
    # Bad input is a 400 with its errors (tests/referrals/test_participation.py); the
    # browser's console reports any 400, so this journey answers correctly first time.
    page.get_by_label("A parent or guardian").check()
    page.get_by_label("Yes, they agree to take part").check()
    fill_date(page, "Date of the decision", years_ago(0))
    page.get_by_label("In writing").check()
    page.get_by_label("Name of the parent or guardian").fill("Dee Marsh")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Agreement to take part recorded")).to_be_visible()
    expect(page.get_by_text("A parent or guardian (Dee Marsh)")).to_be_visible()
    assert axe_violations(page) == []

    agreement = Participation.objects.get(referral=referral)
    assert (agreement.given_by, agreement.decision, agreement.method) == (
        "parent_or_guardian",
        "agreed",
        "written",
    )
    assert agreement.giver_name == "Dee Marsh"
    assert agreement.recorded_by == school_caseworker
    # Apart from consent to sharing: no consent row speaks of taking part.
    assert not referral.consents.filter(purpose="intervention_delivery").exists()

    # The provider takes the child on (their own pages are tested elsewhere).
    allocation = allocation_create(
        actor=school_caseworker,
        case=case,
        intervention=make_intervention(charity),
        request="Weekly mentoring",
    )
    allocation_offer(actor=school_caseworker, allocation=allocation)
    allocation_transition(actor=provider_keyworker, allocation=allocation, action="accept")

    page.reload()
    page.get_by_role("link", name=re.compile("^Withdraw agreement to take part")).click()
    expect(
        page.get_by_role(
            "heading", name="Are you sure you want to withdraw their agreement to take part?"
        )
    ).to_be_visible()
    assert axe_violations(page) == []
    assert Allocation.objects.get(pk=allocation.pk).status == "accepted"
    page.get_by_label("How was the withdrawal made known?").fill(
        "His mother rang the school to say he no longer wants to go."
    )
    page.get_by_role("button", name="Yes, withdraw agreement to take part").click()
    expect(page.get_by_text("Agreement to take part withdrawn")).to_be_visible()
    expect(page.get_by_text("Withdrew agreement", exact=False).first).to_be_visible()
    assert axe_violations(page) == []

    agreement.refresh_from_db()
    assert agreement.decision == "withdrawn"
    assert agreement.note == "His mother rang the school to say he no longer wants to go."
    allocation.refresh_from_db()
    assert allocation.status == "withdrawn"
    assert (
        "intervention_delivery" not in type(referral).objects.get(pk=referral.pk).permitted_purposes
    )
