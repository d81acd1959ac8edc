"""The agreement services: what they store, what they refuse (a 400 naming the field, with
nothing written), who may call them, and the history and audit trail they leave."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEvent, EventKind
from audit.registry import registry
from core.errors import ConflictError
from sharing.agreements import (
    agreement_create,
    agreement_end,
    agreement_review,
    agreement_update,
    outside_agreement_approve,
    signatory_add,
)
from sharing.models import AgreementStatus, InformationSharingAgreement, OutsideAgreementApproval
from tests.factories import make_agreement, make_organisation, make_person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def partner():
    return make_organisation(name="Safe Harbour", agreement=False)


def _terms(partner, **overrides):
    return {
        "organisation": partner,
        "reference": "ISA-2026-004",
        "title": "Safe Harbour and the partnership",
        "purposes": ["assessment", "panel_discussion"],
        "data_categories": ["identity", "safeguarding_narrative"],
        "starts_on": TODAY,
        "review_on": TODAY + 365 * DAY,
        **overrides,
    }


def _field_of(excinfo) -> str:
    return next(iter(excinfo.value.error_dict))


def test_ig_records_an_agreement_in_its_history(ig_officer, partner):
    agreement = agreement_create(actor=ig_officer, **_terms(partner))

    stored = InformationSharingAgreement.objects.get(pk=agreement.pk)
    assert stored.purposes == ["assessment", "panel_discussion"]
    assert stored.data_categories == ["identity", "safeguarding_narrative"]
    assert stored.status(TODAY) == AgreementStatus.ACTIVE
    history = stored.history.get()
    assert (history.history_user, history.history_change_reason) == (
        ig_officer,
        "Agreement recorded",
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"reference": " "}, "reference"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"purposes": []}, "purposes"),
        ({"purposes": ["gossip"]}, "purposes"),
        ({"data_categories": ["shoe_size"]}, "data_categories"),
        ({"review_on": TODAY}, "review_on"),
        ({"starts_on": None}, "starts_on"),
        ({"ends_on": TODAY - DAY}, "ends_on"),
        ({"organisation": None}, "organisation"),
    ],
)
def test_bad_terms_are_refused_on_their_field(ig_officer, partner, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        agreement_create(actor=ig_officer, **_terms(partner, **overrides))
    assert _field_of(excinfo) == field
    assert not InformationSharingAgreement.objects.filter(organisation=partner).exists()


def test_a_reference_is_used_once(ig_officer, partner):
    agreement_create(actor=ig_officer, **_terms(partner))
    with pytest.raises(ValidationError) as excinfo:
        agreement_create(actor=ig_officer, **_terms(partner, reference="isa-2026-004"))
    assert _field_of(excinfo) == "reference"


def test_an_inactive_partner_signs_nothing(ig_officer, partner):
    partner.active = False
    partner.save()
    with pytest.raises(ValidationError) as excinfo:
        agreement_create(actor=ig_officer, **_terms(partner))
    assert _field_of(excinfo) == "organisation"


@pytest.mark.parametrize(
    "who", ["school_caseworker", "analyst", "provider_keyworker", "coordinator", "admin_user"]
)
def test_only_ig_records_and_changes_agreements(request, partner, who):
    user = request.getfixturevalue(who)
    agreement = make_agreement(partner)
    with pytest.raises(PermissionDenied):
        agreement_create(actor=user, **_terms(partner, reference="ISA-X"))
    with pytest.raises(PermissionDenied):
        agreement_update(actor=user, agreement=agreement, expected_version=1, title="New")
    with pytest.raises(PermissionDenied):
        agreement_end(
            actor=user, agreement=agreement, expected_version=1, ends_on=TODAY, reason="Gone"
        )
    with pytest.raises(PermissionDenied):
        signatory_add(
            actor=user,
            agreement=agreement,
            name="A",
            role="B",
            organisation=partner,
            signed_on=TODAY,
        )


def test_a_change_names_the_version_it_read(ig_officer, partner):
    agreement = agreement_create(actor=ig_officer, **_terms(partner))

    changed = agreement_update(
        actor=ig_officer,
        agreement=agreement,
        expected_version=1,
        data_categories=["identity", "health"],
    )

    assert (changed.version, changed.data_categories) == (2, ["identity", "health"])
    with pytest.raises(ConflictError):
        agreement_update(actor=ig_officer, agreement=agreement, expected_version=1, title="Old")
    with pytest.raises(ValidationError) as excinfo:
        agreement_update(actor=ig_officer, agreement=agreement, expected_version=2, colour="red")
    assert _field_of(excinfo) == "colour"


def test_a_review_moves_the_review_date_on(ig_officer, partner):
    agreement = make_agreement(partner, review_on=TODAY + 10 * DAY)
    assert agreement.status(TODAY) == AgreementStatus.DUE_FOR_REVIEW

    reviewed = agreement_review(
        actor=ig_officer,
        agreement=agreement,
        expected_version=1,
        next_review_on=TODAY + 365 * DAY,
        note="Terms still right; contacts updated",
    )

    assert reviewed.status(TODAY) == AgreementStatus.ACTIVE
    assert (reviewed.last_reviewed_on, reviewed.last_reviewed_by) == (TODAY, ig_officer)
    with pytest.raises(ValidationError) as excinfo:
        agreement_review(
            actor=ig_officer, agreement=agreement, expected_version=2, next_review_on=TODAY
        )
    assert _field_of(excinfo) == "next_review_on"


def test_ending_an_agreement(ig_officer, partner):
    agreement = make_agreement(partner)
    with pytest.raises(ValidationError) as excinfo:
        agreement_end(
            actor=ig_officer,
            agreement=agreement,
            expected_version=1,
            ends_on=TODAY - DAY,
            reason="Left the partnership",
        )
    assert _field_of(excinfo) == "ends_on"
    with pytest.raises(ValidationError) as excinfo:
        agreement_end(
            actor=ig_officer, agreement=agreement, expected_version=1, ends_on=TODAY, reason=" "
        )
    assert _field_of(excinfo) == "reason"

    ended = agreement_end(
        actor=ig_officer,
        agreement=agreement,
        expected_version=1,
        ends_on=TODAY,
        reason="Left the partnership",
    )

    assert ended.status(TODAY) == AgreementStatus.ACTIVE  # its last day
    assert ended.status(TODAY + DAY) == AgreementStatus.ENDED
    assert ended.history.first().history_change_reason == "Agreement ended"


def test_signatories_are_stored_sealed(ig_officer, partner):
    agreement = make_agreement(partner)
    signatory = signatory_add(
        actor=ig_officer,
        agreement=agreement,
        name="  Dr Amara   Okafor ",
        role="Caldicott guardian",
        organisation=partner,
        signed_on=TODAY,
    )
    assert agreement.signatories.get().name == "Dr Amara Okafor"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sharing_signatory WHERE id = %s", [signatory.pk])
        assert "Okafor" not in cursor.fetchone()[0]
    with pytest.raises(ValidationError) as excinfo:
        signatory_add(
            actor=ig_officer,
            agreement=agreement,
            name="Someone",
            role="DPO",
            organisation=partner,
            signed_on=TODAY + DAY,
        )
    assert _field_of(excinfo) == "signed_on"


@pytest.fixture
def approval_terms(school_caseworker, school, charity):
    return {
        "discloser": school,
        "recipient": charity,
        "person": make_person(school_caseworker),
        "purpose": "intervention_delivery",
        "data_categories": ["identity"],
        "reason": "Mentoring starts Monday; the trust's agreement is with its solicitor",
        "valid_until": TODAY + 14 * DAY,
    }


def test_ig_approves_a_disclosure_outside_an_agreement(ig_officer, approval_terms):
    approval = outside_agreement_approve(actor=ig_officer, **approval_terms)

    stored = OutsideAgreementApproval.objects.get()
    assert stored == approval
    assert (stored.approved_by, stored.purpose, stored.data_categories) == (
        ig_officer,
        "intervention_delivery",
        ["identity"],
    )
    event = AuditEvent.objects.get(action="outside_agreement_approve")
    assert (event.kind, event.person_id, event.recipient_organisation) == (
        EventKind.GOVERNANCE,
        approval_terms["person"].pk,
        approval_terms["recipient"],
    )
    # The reason stays on the record (sealed), never in the chain, which outlives erasure.
    assert "solicitor" not in event.content
    # And the person's subject access export shows it.
    export = registry.providers()
    sections = {}
    for provider in export:
        sections.update(provider.export([approval_terms["person"].pk]))
    assert len(sections["outside_agreement_approvals"]) == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"purpose": "gossip"}, "purpose"),
        ({"data_categories": []}, "data_categories"),
        ({"reason": ""}, "reason"),
        ({"valid_until": TODAY - DAY}, "valid_until"),
        ({"valid_until": TODAY + 91 * DAY}, "valid_until"),
        ({"recipient": "DISCLOSER"}, "recipient"),
    ],
)
def test_bad_approvals_are_refused_on_their_field(ig_officer, approval_terms, overrides, field):
    terms = {**approval_terms, **overrides}
    if terms["recipient"] == "DISCLOSER":
        terms["recipient"] = terms["discloser"]
    with pytest.raises(ValidationError) as excinfo:
        outside_agreement_approve(actor=ig_officer, **terms)
    assert _field_of(excinfo) == field
    assert not OutsideAgreementApproval.objects.exists()


@pytest.mark.parametrize(
    "who", ["school_caseworker", "analyst", "provider_keyworker", "coordinator", "admin_user"]
)
def test_only_ig_approves(request, approval_terms, who):
    with pytest.raises(PermissionDenied):
        outside_agreement_approve(actor=request.getfixturevalue(who), **approval_terms)


def test_a_change_cannot_end_an_agreement_in_the_past_nor_review_before_it_starts(
    ig_officer, partner
):
    agreement = make_agreement(partner)
    with pytest.raises(ValidationError) as excinfo:
        agreement_update(
            actor=ig_officer, agreement=agreement, expected_version=1, ends_on=TODAY - DAY
        )
    assert _field_of(excinfo) == "ends_on"
    later = make_agreement(
        partner,
        reference="ISA-LATER",
        starts_on=TODAY + 100 * DAY,
        review_on=TODAY + 400 * DAY,
    )
    with pytest.raises(ValidationError) as excinfo:
        agreement_review(
            actor=ig_officer, agreement=later, expected_version=1, next_review_on=TODAY + 50 * DAY
        )
    assert _field_of(excinfo) == "next_review_on"
