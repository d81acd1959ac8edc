"""No limbo: a referral accepted for panel that loses panel-discussion consent, or the lawful
basis that carried it, goes back to the coordinators' screening queue with the reason."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.templatetags.govuk import govuk_date
from referrals.consent import (
    consent_withdraw,
    lawful_basis_decide,
    lawful_basis_record,
    lawful_basis_revoke,
)
from referrals.models import Referral, ReferralStatus
from referrals.selectors import screening_queue
from referrals.services import referral_screen
from tests.factories import accepted_referral, give_consent, opened_case, panel_meeting

PANELS = "/api/v1/panels/"


def withdraw_panel_consent(actor, referral):
    consent_withdraw(
        actor=actor,
        referral=referral,
        purposes=["panel_discussion"],
        given_by="parent_or_guardian",
        reason="Mum phoned the school",
    )


def today() -> str:
    return govuk_date(timezone.localdate())


@pytest.mark.django_db
class TestConsentWithdrawnAfterAcceptance:
    def test_the_referral_goes_back_to_the_screening_queue_with_the_reason(
        self, api, client, school_caseworker, coordinator, panel_chair
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        meeting = panel_meeting(coordinator, panel_chair, start=False)
        chair = api(panel_chair)
        assert len(chair.get(f"{PANELS}{meeting.pk}/agenda/").json()["results"]) == 1

        withdraw_panel_consent(school_caseworker, referral)

        referral = Referral.objects.get(pk=referral.pk)
        reason = f"Panel discussion consent withdrawn on {today()}"
        assert referral.status == ReferralStatus.SUBMITTED
        assert referral.return_to_screening_reason == reason
        assert list(screening_queue(coordinator)) == [referral]
        latest = referral.history.order_by("-history_date").first()
        assert latest.history_user == school_caseworker
        assert latest.history_change_reason == f"Returned to screening: {reason}"
        assert latest.status == ReferralStatus.SUBMITTED
        # Off the agenda, as before: it can no longer be discussed.
        assert chair.get(f"{PANELS}{meeting.pk}/agenda/").json()["results"] == []

        client.force_login(coordinator)
        queue = client.get(reverse("referrals:screening")).content.decode()
        assert "Returned to screening" in queue
        assert reason in queue
        home = client.get("/").content.decode()
        assert "Returned to screening: consent lost" in home
        assert reason in home
        page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
        assert reason in page

        body = api(coordinator).get(f"/api/v1/referrals/{referral.pk}/").json()
        assert body["status"] == "submitted"
        assert body["return_to_screening_reason"] == reason
        assert body["returned_to_screening_at"]
        listed = api(coordinator).get("/api/v1/referrals/").json()["results"]
        assert [(r["status"], r["return_to_screening_reason"]) for r in listed] == [
            ("submitted", reason)
        ]

    def test_screening_it_again_needs_consent_and_then_clears_the_reason(
        self, school_caseworker, coordinator
    ):
        referral = accepted_referral(school_caseworker, coordinator)
        withdraw_panel_consent(school_caseworker, referral)

        with pytest.raises(ValidationError) as refused:
            referral_screen(actor=coordinator, referral=referral, outcome="accepted_for_panel")
        assert refused.value.error_dict["consent"][0].code == "panel_discussion_not_permitted"

        give_consent(school_caseworker, referral, purposes=["panel_discussion"])
        referral_screen(actor=coordinator, referral=referral, outcome="accepted_for_panel")
        referral = Referral.objects.get(pk=referral.pk)
        assert referral.status == ReferralStatus.ACCEPTED_FOR_PANEL
        assert referral.return_to_screening_reason == ""


@pytest.mark.django_db
def test_revoking_the_basis_that_carried_panel_discussion_returns_it_too(
    api, client, school_caseworker, coordinator, second_coordinator, panel_chair
):
    referral = accepted_referral(school_caseworker, coordinator)
    basis = lawful_basis_record(
        actor=coordinator,
        referral=referral,
        purpose="panel_discussion",
        ground="child-safeguarding",
        justification="Child at risk of criminal exploitation by an adult group.",
    )
    lawful_basis_decide(actor=second_coordinator, lawful_basis=basis, approve=True)
    withdraw_panel_consent(school_caseworker, referral)
    # The approved basis still carries panel discussion: nothing changes yet.
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.ACCEPTED_FOR_PANEL
    meeting = panel_meeting(coordinator, panel_chair, start=False)
    assert len(api(panel_chair).get(f"{PANELS}{meeting.pk}/agenda/").json()["results"]) == 1

    lawful_basis_revoke(
        actor=second_coordinator, lawful_basis=basis, reason="The family now engage directly."
    )

    referral = Referral.objects.get(pk=referral.pk)
    reason = f"Lawful basis for panel discussion revoked on {today()}"
    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.return_to_screening_reason == reason
    assert list(screening_queue(coordinator)) == [referral]
    latest = referral.history.order_by("-history_date").first()
    assert latest.history_user == second_coordinator
    assert latest.history_change_reason == f"Returned to screening: {reason}"
    assert api(panel_chair).get(f"{PANELS}{meeting.pk}/agenda/").json()["results"] == []
    client.force_login(coordinator)
    home = client.get("/").content.decode()
    assert "Returned to screening: consent lost" in home
    assert reason in home


@pytest.mark.django_db
def test_a_referral_decided_at_a_meeting_is_left_alone(school_caseworker, coordinator, panel_chair):
    case = opened_case(school_caseworker, coordinator, panel_chair)
    referral = case.referrals.get()
    rows = referral.history.count()

    withdraw_panel_consent(school_caseworker, referral)

    referral = Referral.objects.get(pk=referral.pk)
    assert referral.status == ReferralStatus.CASE_OPENED
    assert referral.case_id == case.pk
    assert referral.return_to_screening_reason == ""
    assert referral.history.count() == rows
    assert list(screening_queue(coordinator)) == []


@pytest.mark.django_db
def test_losing_another_purpose_leaves_it_on_the_agenda(school_caseworker, coordinator):
    referral = accepted_referral(school_caseworker, coordinator)
    consent_withdraw(
        actor=school_caseworker,
        referral=referral,
        purposes=["information_sharing"],
        given_by="parent_or_guardian",
        reason="Dad emailed",
    )
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.status == ReferralStatus.ACCEPTED_FOR_PANEL
    assert referral.return_to_screening_reason == ""


@pytest.mark.django_db
def test_a_deferred_referral_still_waits_for_panel_so_it_returns_and_its_deferral_stays(
    api, school_caseworker, coordinator, panel_chair
):
    referral = accepted_referral(school_caseworker, coordinator)
    meeting = panel_meeting(coordinator, panel_chair)
    chair = api(panel_chair)
    decision = chair.post(
        f"{PANELS}{meeting.pk}/decisions/",
        {"referral": str(referral.pk), "outcome": "defer", "rationale": "Await school report"},
        format="json",
    ).json()

    withdraw_panel_consent(school_caseworker, referral)
    amended = chair.patch(
        f"{PANELS}{meeting.pk}/decisions/{decision['id']}/",
        {"version": 1, "outcome": "no_further_action"},
        format="json",
    )

    assert amended.status_code == 409
    referral = Referral.objects.get(pk=referral.pk)
    assert referral.status == ReferralStatus.SUBMITTED
    assert referral.return_to_screening_reason.startswith("Panel discussion consent withdrawn")
