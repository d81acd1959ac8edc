"""A disclosure the rule table permits must also fall within an information sharing
agreement in force for both parties, or an IG officer's recorded approval for that person
(issue 12, item 4): checked in the one disclosure decision every share, offer, agenda item
and minutes export asks."""

import datetime

import pytest
from django.utils import timezone

from audit.models import AuditEvent, EventKind
from cases.models import CaseShare
from referrals.disclosure import referral_data_categories
from sharing.agreements import outside_agreement_approve
from sharing.models import InformationSharingAgreement
from sharing.vocabulary import DataCategory
from tests.factories import opened_case

pytestmark = pytest.mark.django_db

CASES = "/api/v1/cases/"


@pytest.fixture
def child_case(school_caseworker, coordinator, panel_chair):
    return opened_case(school_caseworker, coordinator, panel_chair)


@pytest.fixture
def police_without_agreement(police):
    InformationSharingAgreement.objects.filter(organisation=police).delete()
    return police


def _share(api, user, case, organisation):
    return api(user).post(
        f"{CASES}{case.pk}/shares/",
        {"organisation": organisation.pk, "purpose": "information_sharing"},
        format="json",
    )


def test_a_share_the_law_permits_but_no_agreement_covers_is_refused_with_the_reason(
    api, child_case, school_caseworker, police_without_agreement
):
    response = _share(api, school_caseworker, child_case, police_without_agreement)

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert (error["attr"], error["code"]) == ("disclosure", "no_sharing_rule")
    assert "outside an information sharing agreement" in error["detail"]
    assert "Durham Constabulary has no information sharing agreement in force" in error["detail"]
    assert "information governance officer must approve" in error["detail"]
    assert not CaseShare.objects.filter(organisation=police_without_agreement).exists()
    assert not AuditEvent.objects.filter(
        kind=EventKind.DISCLOSURE, recipient_organisation=police_without_agreement
    ).exists()


def test_an_ig_approval_for_the_person_lets_it_go_ahead_and_the_ledger_names_it(
    api, child_case, school_caseworker, school, ig_officer, police_without_agreement
):
    approval = outside_agreement_approve(
        actor=ig_officer,
        discloser=school,
        recipient=police_without_agreement,
        person=child_case.person,
        purpose="information_sharing",
        data_categories=sorted(referral_data_categories(child_case.referrals.get())),
        reason="Police agreement is being re-signed; the child is at immediate risk.",
        valid_until=timezone.localdate() + datetime.timedelta(days=7),
    )

    response = _share(api, school_caseworker, child_case, police_without_agreement)

    assert response.status_code == 201, response.json()
    event = AuditEvent.objects.get(
        kind=EventKind.DISCLOSURE,
        action="disclose",
        recipient_organisation=police_without_agreement,
    )
    assert event.basis == "child-safeguarding"
    assert event.details["covered_by"] == f"IG approval {approval.pk}"


def test_an_approval_for_another_person_does_not_cover_it(
    api,
    child_case,
    school_caseworker,
    coordinator,
    panel_chair,
    school,
    ig_officer,
    police_without_agreement,
):
    other = opened_case(school_caseworker, coordinator, panel_chair)
    outside_agreement_approve(
        actor=ig_officer,
        discloser=school,
        recipient=police_without_agreement,
        person=other.person,
        purpose="information_sharing",
        data_categories=list(DataCategory.values),
        reason="Police agreement is being re-signed; the child is at immediate risk.",
        valid_until=timezone.localdate() + datetime.timedelta(days=7),
    )

    assert _share(api, school_caseworker, child_case, police_without_agreement).status_code == 400


def test_with_both_agreements_in_force_the_ledger_names_them(
    api, child_case, school_caseworker, police
):
    response = _share(api, school_caseworker, child_case, police)

    assert response.status_code == 201, response.json()
    event = AuditEvent.objects.get(
        kind=EventKind.DISCLOSURE, action="disclose", recipient_organisation=police
    )
    references = InformationSharingAgreement.objects.filter(
        organisation__in=[child_case.lead_organisation, police]
    ).values_list("reference", flat=True)
    covered_by = event.details["covered_by"]
    assert sorted(covered_by.split(", ")) == sorted(references)


def test_igs_pages_say_which_rule_a_share_went_under_and_when_it_stopped(
    api, child_case, school_caseworker, police
):
    from audit.describe import describe

    share = _share(api, school_caseworker, child_case, police).json()
    api(school_caseworker).post(
        f"{CASES}{child_case.pk}/shares/{share['id']}/end/",
        {"reason": "No longer needed"},
        format="json",
    )

    events = AuditEvent.objects.filter(
        kind=EventKind.DISCLOSURE, recipient_organisation=police
    ).order_by("id")
    sentences = [describe(event, "Tyler Ashworth") for event in events]
    assert sentences[0].startswith(str(school_caseworker))
    assert sentences[0].endswith(
        "shared Tyler Ashworth's case with Durham Constabulary, under “Safeguarding a child "
        "(Children Act 2004 s.11; Children Act 1989 s.47)”"
    )
    assert sentences[-1].endswith("stopped sharing Tyler Ashworth's case with Durham Constabulary")
