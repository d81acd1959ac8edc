"""Migration 0007: consent for intervention delivery becomes agreement to take part, and a
lawful basis for it stops standing in (revoked if approved, rejected if pending), all in
the history; what delivery rested on a basis then ends through the services."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from interventions.models import Allocation
from interventions.services import allocation_create, allocation_offer
from referrals.models import LawfulBasis, Participation, Referral
from referrals.participation import reconcile_delivery
from tests.factories import case_ready_for_delivery, make_intervention, submitted_referral

BEFORE = [("referrals", "0006_participation")]


def _migrate(target=None):
    """To ``target``, or (None) to the latest migration of every app, which the models the
    assertions use expect: 0007 and 0008 run on the way."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    target = target or executor.loader.graph.leaf_nodes()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_delivery_consents_become_agreements_and_bases_stop_standing_in(
    school_caseworker, coordinator, second_coordinator, panel_chair, charity
):
    case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair)
    by_consent = case.referrals.get()
    on_a_basis = submitted_referral(school_caseworker)
    allocation = allocation_create(
        actor=school_caseworker,
        case=case,
        intervention=make_intervention(charity),
        request="Mentor",
    )
    allocation_offer(actor=school_caseworker, allocation=allocation)
    try:
        old = _migrate(BEFORE)
        Consent = old.get_model("referrals", "Consent")
        OldBasis = old.get_model("referrals", "LawfulBasis")
        # As before: delivery consented to (and agreed nowhere), and one resting on a basis.
        Participation.objects.all().delete()
        Consent.objects.create(
            referral_id=by_consent.pk,
            purpose="intervention_delivery",
            given_by="parent_or_guardian",
            decision="given",
            decided_on=timezone.localdate(),
            method="written",
            giver_name="Dee Marsh",
            recorded_by_id=school_caseworker.pk,
        )
        for status in ("approved", "pending"):
            OldBasis.objects.create(
                referral_id=on_a_basis.pk,
                purpose="intervention_delivery",
                ground="safeguarding",
                justification="Safeguarding concern needing an intervention now.",
                status=status,
                recorded_by_id=coordinator.pk,
                decided_by_id=second_coordinator.pk if status == "approved" else None,
            )
        Referral.objects.filter(pk=on_a_basis.pk).update(
            permitted_purposes=[*on_a_basis.permitted_purposes, "intervention_delivery"]
        )
    finally:
        _migrate()

    agreement = Participation.objects.get(referral=by_consent)
    assert (agreement.given_by, agreement.decision, agreement.giver_name) == (
        "parent_or_guardian",
        "agreed",
        "Dee Marsh",
    )
    assert agreement.history.get().history_change_reason == (
        "Carried over from consent for intervention delivery"
    )
    assert not by_consent.consents.filter(purpose="intervention_delivery").exists()
    assert by_consent.consents.model.history.filter(
        purpose="intervention_delivery", history_type="-"
    ).exists()
    assert sorted(
        LawfulBasis.objects.filter(referral=on_a_basis).values_list("status", flat=True)
    ) == ["rejected", "revoked"]
    assert "cannot stand in" in LawfulBasis.objects.filter(referral=on_a_basis)[0].decision_note

    # What ran after the migrate put the position right through the services.
    reconcile_delivery()
    on_a_basis.refresh_from_db()
    assert "intervention_delivery" not in on_a_basis.permitted_purposes
    by_consent.refresh_from_db()
    assert "intervention_delivery" in by_consent.permitted_purposes
    assert Allocation.objects.get(pk=allocation.pk).status == "offered"
