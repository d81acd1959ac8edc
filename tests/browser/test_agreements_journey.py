"""An IG officer sees an agreement due for review on their home page, records a partner's
information sharing agreement with its signatory, and approves a disclosure about a person
that no agreement covers: web pages only after signing in, each passing axe-core; then
reads back from the database what was stored."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from partners.models import OrganisationType
from sharing.agreements import disclosure_coverage
from sharing.models import InformationSharingAgreement, OutsideAgreementApproval
from tests.factories import make_agreement, make_organisation, make_person, years_ago

pytestmark = pytest.mark.browser


def _date(page, label, day):
    group = page.get_by_role("group", name=label)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


@pytest.mark.django_db(transaction=True)
def test_ig_records_an_agreement_and_approves_a_disclosure_outside_one(
    live_server, page, axe_violations, school_caseworker, school, ig_officer, sign_in
):
    today = timezone.localdate()
    make_agreement(school, reference="ISA-RA-1", review_on=today + datetime.timedelta(days=9))
    harbour = make_organisation(
        name="Safe Harbour", organisation_type=OrganisationType.VOLUNTARY, agreement=False
    )
    born = years_ago(15, days=-20)
    tyler = make_person(
        school_caseworker, given_name="Tyler", family_name="Ashworth", date_of_birth=born
    )

    sign_in(page, ig_officer)
    expect(page.get_by_role("heading", name="Agreements due for review (1)")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Sharing agreements").first.click()
    expect(page.get_by_role("heading", name="Information sharing agreements")).to_be_visible()
    expect(page.get_by_text("Due for review", exact=True)).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Record an agreement").click()
    expect(
        page.get_by_role("heading", name="Record an information sharing agreement")
    ).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Partner organisation").select_option(label="Safe Harbour")
    page.get_by_label("Reference").fill("ISA-SH-2026")
    page.get_by_label("Title").fill("Safe Harbour and the Serious Violence Partnership")
    page.get_by_label("Assessment").check()
    page.get_by_label("Intervention delivery").check()
    page.get_by_label("Identity").check()
    page.get_by_label("Safeguarding narrative").check()
    _date(page, "Start date", today)
    _date(page, "Review date", today + datetime.timedelta(days=365))
    page.get_by_role("button", name="Save the agreement").click()

    expect(page.get_by_role("heading", name="ISA-SH-2026: Safe Harbour")).to_be_visible()
    expect(page.get_by_text("Assessment, Intervention delivery")).to_be_visible()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Add a signatory").click()
    expect(page.get_by_role("heading", name="Add a signatory")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Full name").fill("Dr Amara Okafor")
    page.get_by_label("Job title").fill("Chief executive")
    _date(page, "Date signed", today)
    page.get_by_role("button", name="Add the signatory").click()

    expect(page.get_by_text("Signatory added")).to_be_visible()
    expect(page.get_by_role("cell", name="Dr Amara Okafor")).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 800})
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})

    agreement = InformationSharingAgreement.objects.get(reference="ISA-SH-2026")
    assert (agreement.organisation, agreement.purposes, agreement.data_categories) == (
        harbour,
        ["assessment", "intervention_delivery"],
        ["identity", "safeguarding_narrative"],
    )
    assert (agreement.starts_on, agreement.review_on, agreement.ends_on) == (
        today,
        today + datetime.timedelta(days=365),
        None,
    )
    signatory = agreement.signatories.get()
    assert (signatory.name, signatory.role, signatory.organisation, signatory.signed_on) == (
        "Dr Amara Okafor",
        "Chief executive",
        harbour,
        today,
    )
    assert agreement.history.first().history_user == ig_officer

    # Health data is not in Safe Harbour's agreement: IG approves one disclosure about Tyler.
    assert not disclosure_coverage(
        discloser=school,
        recipient=harbour,
        purpose="assessment",
        data_categories=["health"],
        person_id=tyler.pk,
    ).covered
    page.get_by_role("link", name="Find a person").first.click()
    page.get_by_label("Family name").fill("Ashworth")
    _date(page, "Date of birth", born)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Tyler Ashworth").click()
    page.get_by_role("link", name="Approve a disclosure outside an agreement").click()
    expect(
        page.get_by_role("heading", name="Approve a disclosure outside an agreement")
    ).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Disclosed by").select_option(label="Riverside Academy")
    page.get_by_label("Disclosed to").select_option(label="Safe Harbour")
    page.get_by_label("Assessment").check()
    page.get_by_label("Health").check()
    page.get_by_label("Why may this be disclosed without an agreement?").fill(
        "Hospital discharge plan needed for the assessment this week"
    )
    _date(page, "Approved until", today + datetime.timedelta(days=7))
    page.get_by_role("button", name="Approve the disclosure").click()

    expect(page.get_by_text("Disclosure approved outside an agreement")).to_be_visible()
    expect(page.get_by_role("link", name="Tyler Ashworth")).to_be_visible()
    assert axe_violations(page) == []
    approval = OutsideAgreementApproval.objects.get()
    assert (
        approval.discloser,
        approval.recipient,
        approval.person_id,
        approval.purpose,
        approval.data_categories,
        approval.approved_by,
        approval.valid_until,
    ) == (
        school,
        harbour,
        tyler.pk,
        "assessment",
        ["health"],
        ig_officer,
        today + datetime.timedelta(days=7),
    )
    assert approval.reason == "Hospital discharge plan needed for the assessment this week"
    assert (
        disclosure_coverage(
            discloser=school,
            recipient=harbour,
            purpose="assessment",
            data_categories=["health"],
            person_id=tyler.pk,
        ).approval
        == approval
    )
