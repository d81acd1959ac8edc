"""Every status change: who may make it, from which states, races between two coordinators,
and retried submissions."""

import threading

import pytest
from django.db import connection

from core.errors import ConflictError
from referrals.models import Referral, ReferralStatus
from referrals.services import (
    referral_answer,
    referral_screen,
    referral_withdraw,
)
from tests.factories import give_consent, make_person, make_referral, submitted_referral, years_ago

URL = "/api/v1/referrals/"


def child(actor, **kw):
    return make_person(actor, date_of_birth=years_ago(14), **kw)


def referral_body(person) -> dict:
    """A new referral of the person, as a client posts it."""
    return {
        "person": str(person.pk),
        "pathway": "u18_prevention",
        "area": "durham",
        "incident_date": "2026-06-01",
        "narrative": "Carrying a blade.",
        "risk_level": "high",
    }


def a_draft(actor):
    return make_referral(actor, person=child(actor))


def in_status(actor, coordinator, status):
    """A referral brought to ``status`` through the services."""
    if status == "draft":
        referral = a_draft(actor)
        give_consent(actor, referral)
        return referral
    referral = submitted_referral(actor, person=child(actor))
    if status == "submitted":
        return referral
    if status in {"accepted_for_panel", "declined", "signposted", "returned"}:
        return referral_screen(
            actor=coordinator,
            referral=referral,
            outcome=status,
            note="Reason given",
            questions="Has the family been told?",
            signpost_service="channel",
        )
    if status == "withdrawn":
        return referral_withdraw(actor=actor, referral=referral, reason="Family moved away")
    raise AssertionError(status)


ACTIONS = {
    "submit": {},
    "screen": {"outcome": "accepted_for_panel"},
    "answer": {"answer": "Yes, mum knows and agrees."},
    "withdraw": {"reason": "Family moved away"},
}
# (action, from status) -> status after, for the one role allowed to do it.
ALLOWED = {
    ("submit", "draft"): "submitted",
    ("screen", "submitted"): "accepted_for_panel",
    ("answer", "returned"): "submitted",
    ("withdraw", "draft"): "withdrawn",
    ("withdraw", "submitted"): "withdrawn",
    ("withdraw", "returned"): "withdrawn",
    ("withdraw", "accepted_for_panel"): "withdrawn",
}
WHO = {"submit": "referrer", "screen": "coordinator", "answer": "referrer", "withdraw": "referrer"}
STATUSES = [
    "draft",
    "submitted",
    "returned",
    "accepted_for_panel",
    "declined",
    "signposted",
    "withdrawn",
]


@pytest.mark.django_db
@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("status", STATUSES)
def test_each_action_from_each_status(api, school_caseworker, coordinator, action, status):
    referral = in_status(school_caseworker, coordinator, status)
    actor = school_caseworker if WHO[action] == "referrer" else coordinator

    response = api(actor).post(f"{URL}{referral.pk}/{action}/", ACTIONS[action], format="json")

    expected = ALLOWED.get((action, status))
    if expected:
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == expected
    elif action == "screen" and status == "draft":
        assert response.status_code == 404  # a coordinator never sees drafts
    else:
        assert response.status_code == 409, response.json()
        assert response.json()["errors"][0]["code"] == "conflict"
        assert Referral.objects.get(pk=referral.pk).status == status


@pytest.mark.django_db
class TestWhoMayMoveAReferral:
    def test_a_coordinator_cannot_submit_answer_or_withdraw(
        self, api, school_caseworker, coordinator
    ):
        referral = in_status(school_caseworker, coordinator, "returned")
        client = api(coordinator)
        for action in ("answer", "withdraw"):
            response = client.post(f"{URL}{referral.pk}/{action}/", ACTIONS[action], format="json")
            assert response.status_code == 403, action
        assert Referral.objects.get(pk=referral.pk).status == "returned"

    def test_a_referrer_cannot_screen_their_own_referral(self, api, school_caseworker):
        referral = submitted_referral(school_caseworker, person=child(school_caseworker))
        response = api(school_caseworker).post(
            f"{URL}{referral.pk}/screen/", ACTIONS["screen"], format="json"
        )
        assert response.status_code == 403
        assert Referral.objects.get(pk=referral.pk).status == "submitted"

    def test_a_coordinator_of_another_area_cannot_screen(
        self, api, school_caseworker, darlington_coordinator
    ):
        referral = submitted_referral(school_caseworker, person=child(school_caseworker))
        response = api(darlington_coordinator).post(
            f"{URL}{referral.pk}/screen/", ACTIONS["screen"], format="json"
        )
        assert response.status_code == 404

    @pytest.mark.parametrize("action", list(ACTIONS))
    def test_another_organisations_referrer_gets_404(
        self, api, school_caseworker, police_officer, action
    ):
        referral = a_draft(school_caseworker)
        response = api(police_officer).post(
            f"{URL}{referral.pk}/{action}/", ACTIONS[action], format="json"
        )
        assert response.status_code == 404


@pytest.mark.django_db
class TestScreening:
    @pytest.mark.parametrize(
        ("outcome", "missing"),
        [("returned", "questions"), ("declined", "note"), ("signposted", "signpost_service")],
    )
    def test_each_outcome_needs_its_explanation(
        self, api, school_caseworker, coordinator, outcome, missing
    ):
        referral = submitted_referral(school_caseworker, person=child(school_caseworker))
        response = api(coordinator).post(
            f"{URL}{referral.pk}/screen/", {"outcome": outcome}, format="json"
        )
        assert response.status_code == 400
        assert [e["attr"] for e in response.json()["errors"]] == [missing]
        assert Referral.objects.get(pk=referral.pk).status == "submitted"

    def test_returned_questions_are_answered_and_the_referral_resubmitted(
        self, api, school_caseworker, coordinator
    ):
        referral = in_status(school_caseworker, coordinator, "returned")

        response = api(school_caseworker).post(
            f"{URL}{referral.pk}/answer/", {"answer": "Yes, mum knows."}, format="json"
        )

        assert response.json()["status"] == "submitted"
        assert response.json()["return_questions"] == "Has the family been told?"
        assert response.json()["referrer_answer"] == "Yes, mum knows."

    def test_status_changes_are_in_history_with_actor_and_reason(
        self, school_caseworker, coordinator
    ):
        referral = in_status(school_caseworker, coordinator, "declined")
        history = list(referral.history.order_by("history_date"))
        assert [(h.status, h.history_user.username) for h in history] == [
            ("draft", "school-caseworker"),
            ("submitted", "school-caseworker"),
            ("declined", "durham-coordinator"),
        ]
        assert history[-1].history_change_reason == "Screened: decline"
        assert history[-1].screening_note == "Reason given"

    def test_submission_needs_panel_consent(self, api, school_caseworker):
        referral = a_draft(school_caseworker)
        response = api(school_caseworker).post(f"{URL}{referral.pk}/submit/")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "panel_discussion_not_permitted"
        assert Referral.objects.get(pk=referral.pk).status == "draft"


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_screening_at_once_one_wins_the_other_gets_409(
    school_caseworker, coordinator, second_coordinator
):
    referral = submitted_referral(school_caseworker, person=child(school_caseworker))
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def screen(user, outcome):
        try:
            barrier.wait(timeout=10)
            referral_screen(
                actor=user, referral=referral, outcome=outcome, note="Not for us", questions="?"
            )
            results[user.username] = "won"
        except ConflictError:
            results[user.username] = "conflict"
        finally:
            connection.close()  # each thread has its own database connection

    threads = [
        threading.Thread(target=screen, args=(coordinator, "accepted_for_panel")),
        threading.Thread(target=screen, args=(second_coordinator, "declined")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results.values()) == ["conflict", "won"]
    winner = next(name for name, result in results.items() if result == "won")
    final = Referral.objects.get(pk=referral.pk)
    expected = "accepted_for_panel" if winner == "durham-coordinator" else "declined"
    assert final.status == expected
    assert final.history.filter(status__in=["accepted_for_panel", "declined"]).count() == 1


@pytest.mark.django_db
class TestIdempotentRetries:
    def test_a_retried_submission_returns_the_first_answer(self, api, school_caseworker):
        referral = a_draft(school_caseworker)
        give_consent(school_caseworker, referral)
        client = api(school_caseworker)
        headers = {"HTTP_IDEMPOTENCY_KEY": "submit-7f3c"}

        first = client.post(f"{URL}{referral.pk}/submit/", **headers)
        retry = client.post(f"{URL}{referral.pk}/submit/", **headers)
        without_key = client.post(f"{URL}{referral.pk}/submit/")

        assert first.status_code == 200
        assert retry.status_code == 200
        assert retry.json() == first.json()
        assert retry["Idempotent-Replayed"] == "true"
        assert without_key.status_code == 409
        assert Referral.objects.get(pk=referral.pk).history.filter(status="submitted").count() == 1

    def test_a_retried_creation_creates_nothing_new(self, api, school_caseworker):
        person = child(school_caseworker)
        data = referral_body(person)
        client = api(school_caseworker)

        first = client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="create-1")
        retry = client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="create-1")

        assert first.status_code == retry.status_code == 201
        assert retry.json()["id"] == first.json()["id"]
        assert Referral.objects.count() == 1

    def test_the_same_key_for_a_different_request_is_refused(self, api, school_caseworker):
        one, two = a_draft(school_caseworker), a_draft(school_caseworker)
        for referral in (one, two):
            give_consent(school_caseworker, referral)
        client = api(school_caseworker)

        client.post(f"{URL}{one.pk}/submit/", HTTP_IDEMPOTENCY_KEY="k")
        reused = client.post(f"{URL}{two.pk}/submit/", HTTP_IDEMPOTENCY_KEY="k")

        assert reused.status_code == 409
        assert Referral.objects.get(pk=two.pk).status == "draft"

    def test_a_failed_request_does_not_burn_its_key(self, api, school_caseworker):
        referral = a_draft(school_caseworker)
        client = api(school_caseworker)

        refused = client.post(f"{URL}{referral.pk}/submit/", HTTP_IDEMPOTENCY_KEY="try")
        give_consent(school_caseworker, referral)
        accepted = client.post(f"{URL}{referral.pk}/submit/", HTTP_IDEMPOTENCY_KEY="try")

        assert refused.status_code == 400
        assert accepted.status_code == 200

    def test_keys_belong_to_one_user(self, api, school_caseworker, school):
        from tests.factories import make_member

        colleague = make_member(school, "referrer")
        mine, theirs = a_draft(school_caseworker), a_draft(school_caseworker)
        for referral in (mine, theirs):
            give_consent(school_caseworker, referral)

        api(school_caseworker).post(f"{URL}{mine.pk}/submit/", HTTP_IDEMPOTENCY_KEY="same")
        response = api(colleague).post(f"{URL}{theirs.pk}/submit/", HTTP_IDEMPOTENCY_KEY="same")

        assert response.status_code == 200
        assert response.json()["id"] == str(theirs.pk)

    def test_a_retry_at_the_other_slash_form_of_the_address_replays(self, api, school_caseworker):
        referral = a_draft(school_caseworker)
        give_consent(school_caseworker, referral)
        client = api(school_caseworker)

        first = client.post(f"{URL}{referral.pk}/submit", HTTP_IDEMPOTENCY_KEY="either")
        retry = client.post(f"{URL}{referral.pk}/submit/", HTTP_IDEMPOTENCY_KEY="either")

        assert first.status_code == retry.status_code == 200
        assert retry["Idempotent-Replayed"] == "true"

    def test_the_same_key_with_another_body_is_refused(self, api, school_caseworker):
        # The fingerprint is of the bytes sent: another narrative is another request.
        person = child(school_caseworker)
        data = referral_body(person)
        client = api(school_caseworker)

        first = client.post(URL, data, format="json", HTTP_IDEMPOTENCY_KEY="body")
        other = client.post(
            URL, {**data, "narrative": "Carrying two."}, format="json", HTTP_IDEMPOTENCY_KEY="body"
        )

        assert first.status_code == 201
        assert other.status_code == 409
        assert Referral.objects.count() == 1

    def test_a_session_s_retry_replays(self, school_caseworker):
        """Signed in through the web pages, a POST passes a CSRF check while authenticating;
        the check must leave the body to the fingerprint, and a retry replays."""
        from rest_framework.test import APIClient

        person = child(school_caseworker)
        data = referral_body(person)
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(school_caseworker)
        csrf = "c" * 32
        client.cookies["csrftoken"] = csrf
        headers = {"HTTP_X_CSRFTOKEN": csrf, "HTTP_IDEMPOTENCY_KEY": "session"}

        first = client.post(URL, data, format="json", **headers)
        retry = client.post(URL, data, format="json", **headers)

        assert first.status_code == retry.status_code == 201
        assert retry["Idempotent-Replayed"] == "true"
        assert Referral.objects.count() == 1


def test_the_transition_table_covers_every_status_before_panel():
    # case_opened and no_further_action are panel outcomes: see tests/cases/test_panels.py.
    panel_outcomes = {ReferralStatus.CASE_OPENED, ReferralStatus.NO_FURTHER_ACTION}
    assert set(STATUSES) == set(ReferralStatus.values) - panel_outcomes


@pytest.mark.django_db
def test_answering_requires_panel_consent_still_in_place(school_caseworker, coordinator):
    from referrals.consent import consent_withdraw

    referral = in_status(school_caseworker, coordinator, "returned")
    consent_withdraw(
        actor=school_caseworker,
        referral=referral,
        purposes=["panel_discussion"],
        given_by="parent_or_guardian",
        reason="Mum phoned to withdraw",
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        referral_answer(actor=school_caseworker, referral=referral, answer="Answer")
    assert Referral.objects.get(pk=referral.pk).status == "returned"


@pytest.mark.django_db
def test_submission_rechecks_eligibility(api, school_caseworker):
    from referrals.services import person_update

    referral = make_referral(
        school_caseworker,
        person=make_person(school_caseworker, date_of_birth=years_ago(19, days=1)),
    )
    give_consent(school_caseworker, referral, given_by="person")
    # The date of birth is corrected after the draft: the person is 19 today after all.
    person_update(
        actor=school_caseworker,
        person=referral.person,
        expected_version=1,
        date_of_birth=years_ago(19),
    )

    response = api(school_caseworker).post(f"{URL}{referral.pk}/submit/")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "age_19_or_over"
    assert Referral.objects.get(pk=referral.pk).status == "draft"
