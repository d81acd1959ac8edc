"""Issue 12, item 3: agreement to take part in a voluntary intervention is recorded apart
from the lawful basis for sharing (HM Government information sharing advice, 2024). It
gates delivery; no lawful basis stands in for it; who may agree follows the consent rules
(Gillick for under-16s); withdrawing it ends delivery at once, the provider loses the
person's identity and the ledger says so; the four-eyes lawful basis for sharing still
works; forbidden users are refused on the web and the API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, EventKind
from interventions.models import Allocation
from interventions.services import allocation_create, allocation_offer, allocation_transition
from referrals.consent import (
    consent_position,
    consent_record,
    gillick_record,
    lawful_basis_decide,
    lawful_basis_record,
)
from referrals.models import LawfulBasis, Participation, Referral
from referrals.participation import (
    participation_record,
    participation_withdraw,
    reconcile_delivery,
)
from tests.factories import (
    agree_to_take_part,
    case_ready_for_delivery,
    make_intervention,
    make_person,
    opened_case,
    submitted_referral,
    years_ago,
)
from tests.support import date_parts

pytestmark = pytest.mark.django_db

DELIVERY = "intervention_delivery"
JUSTIFICATION = "He was seen with a knife and his parents cannot be reached."


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in items] for field, items in error.error_dict.items()}


def record(actor, referral, **overrides):
    fields = {
        "given_by": "parent_or_guardian",
        "decision": "agreed",
        "decided_on": timezone.localdate(),
        "method": "verbal",
        "giver_name": "Dee Marsh",
        **overrides,
    }
    return participation_record(actor=actor, referral=referral, **fields)


def referral_aged(actor, age):
    """A submitted prevention referral (18 and under): at 18 an adult decides."""
    return submitted_referral(actor, person=make_person(actor, date_of_birth=years_ago(age)))


@pytest.fixture
def case(school_caseworker, coordinator, panel_chair):
    return case_ready_for_delivery(school_caseworker, coordinator, panel_chair)


@pytest.fixture
def mentoring(charity):
    return make_intervention(charity)


def started(lead, keyworker, case, intervention):
    allocation = allocation_create(
        actor=lead, case=case, intervention=intervention, request="Weekly mentoring"
    )
    allocation_offer(actor=lead, allocation=allocation)
    allocation_transition(actor=keyworker, allocation=allocation, action="accept")
    return allocation_transition(actor=keyworker, allocation=allocation, action="start")


def ledger(allocation):
    return list(
        AuditEvent.objects.filter(
            kind=EventKind.DISCLOSURE, object_type="allocation", object_id=str(allocation.pk)
        )
        .order_by("id")
        .values_list("action", flat=True)
    )


class TestApartFromTheLawfulBasis:
    def test_a_lawful_basis_for_intervention_delivery_is_refused_with_the_reason(
        self, school_caseworker
    ):
        referral = referral_aged(school_caseworker, 14)

        with pytest.raises(ValidationError) as refused:
            lawful_basis_record(
                actor=school_caseworker,
                referral=referral,
                purpose=DELIVERY,
                ground="child-safeguarding",
                justification=JUSTIFICATION,
            )

        assert codes(refused.value) == {"purpose": ["agreement_to_take_part_required"]}
        assert "voluntary" in refused.value.message_dict["purpose"][0]
        assert not LawfulBasis.objects.exists()

    def test_consent_to_sharing_does_not_cover_taking_part(self, school_caseworker):
        referral = referral_aged(school_caseworker, 18)

        with pytest.raises(ValidationError) as refused:
            consent_record(
                actor=school_caseworker,
                referral=referral,
                purposes=["assessment", DELIVERY],
                given_by="person",
                decision="given",
                decided_on=timezone.localdate(),
                method="written",
            )

        assert codes(refused.value) == {"purposes": ["record_agreement_to_take_part"]}
        assert not referral.consents.filter(purpose=DELIVERY).exists()

    def test_bases_for_every_sharing_purpose_do_not_permit_delivery(
        self, school_caseworker, coordinator, second_coordinator, panel_chair, mentoring
    ):
        case = opened_case(school_caseworker, coordinator, panel_chair)
        referral = case.referrals.get()
        for purpose in ("assessment", "panel_discussion", "information_sharing"):
            lawful_basis_decide(
                actor=second_coordinator,
                lawful_basis=lawful_basis_record(
                    actor=coordinator,
                    referral=referral,
                    purpose=purpose,
                    ground="child-safeguarding",
                    justification=JUSTIFICATION,
                ),
                approve=True,
            )
        referral.refresh_from_db()

        assert DELIVERY not in referral.permitted_purposes
        position = consent_position(referral)[DELIVERY]
        assert (position.permitted, position.via) == (False, "")
        assert "no lawful basis stands in" in position.explanation
        with pytest.raises(ValidationError) as refused:
            allocation_create(
                actor=school_caseworker, case=case, intervention=mentoring, request="Mentor"
            )
        assert codes(refused.value) == {"consent": ["intervention_delivery_not_permitted"]}

    def test_agreement_permits_delivery_and_is_the_recorded_basis_of_the_provider_share(
        self, school_caseworker, coordinator, panel_chair, mentoring, charity
    ):
        case = opened_case(school_caseworker, coordinator, panel_chair)
        referral = case.referrals.get()
        assert DELIVERY not in referral.permitted_purposes

        agreement = record(school_caseworker, referral)

        referral.refresh_from_db()
        assert DELIVERY in referral.permitted_purposes
        assert consent_position(referral)[DELIVERY].via == "participation"
        assert agreement.history.get().history_change_reason == "Agreed to take part"
        allocation = allocation_create(
            actor=school_caseworker, case=case, intervention=mentoring, request="Mentor"
        )
        allocation_offer(actor=school_caseworker, allocation=allocation)
        share = case.shares.get(organisation=charity)
        assert (share.purpose, share.basis) == (DELIVERY, "participation")

    def test_the_four_eyes_basis_still_overrides_a_refusal_to_share(
        self, school_caseworker, coordinator, second_coordinator
    ):
        referral = referral_aged(school_caseworker, 18)
        consent_record(
            actor=school_caseworker,
            referral=referral,
            purposes=["information_sharing"],
            given_by="person",
            decision="refused",
            decided_on=timezone.localdate(),
        )
        basis = lawful_basis_record(
            actor=coordinator,
            referral=referral,
            purpose="information_sharing",
            ground="child-safeguarding",
            justification=JUSTIFICATION,
        )
        with pytest.raises(PermissionDenied):
            lawful_basis_decide(actor=coordinator, lawful_basis=basis, approve=True)

        lawful_basis_decide(actor=second_coordinator, lawful_basis=basis, approve=True)

        referral.refresh_from_db()
        assert "information_sharing" in referral.permitted_purposes
        assert DELIVERY not in referral.permitted_purposes


class TestWhoMayAgree:
    def test_an_adult_agrees_for_themselves_not_a_parent(self, school_caseworker):
        referral = referral_aged(school_caseworker, 18)

        with pytest.raises(ValidationError) as refused:
            record(school_caseworker, referral)
        assert codes(refused.value) == {"given_by": ["adult_consents_for_self"]}

        record(school_caseworker, referral, given_by="person", giver_name="")
        referral.refresh_from_db()
        assert DELIVERY in referral.permitted_purposes

    def test_under_16_the_child_agrees_only_once_found_gillick_competent(self, school_caseworker):
        referral = referral_aged(school_caseworker, 14)

        with pytest.raises(ValidationError) as refused:
            record(school_caseworker, referral, given_by="person", giver_name="")
        assert codes(refused.value) == {"given_by": ["gillick_assessment_required"]}
        assert not Participation.objects.exists()

        gillick_record(
            actor=school_caseworker,
            referral=referral,
            competent=True,
            assessed_on=timezone.localdate(),
            rationale="Understands what mentoring involves and that it is voluntary.",
        )
        record(school_caseworker, referral, given_by="person", giver_name="")
        referral.refresh_from_db()
        assert DELIVERY in referral.permitted_purposes

    def test_a_competent_childs_decline_stands_over_a_parents_agreement(self, school_caseworker):
        referral = referral_aged(school_caseworker, 14)
        record(school_caseworker, referral)
        gillick_record(
            actor=school_caseworker,
            referral=referral,
            competent=True,
            assessed_on=timezone.localdate(),
            rationale="Understands what mentoring involves and that it is voluntary.",
        )

        record(
            school_caseworker,
            referral,
            given_by="person",
            decision="declined",
            method="",
            giver_name="",
        )

        referral.refresh_from_db()
        assert DELIVERY not in referral.permitted_purposes
        assert "Gillick-competent" in consent_position(referral)[DELIVERY].explanation

    def test_under_16_without_gillick_the_parent_decides(self, school_caseworker):
        referral = referral_aged(school_caseworker, 14)
        record(school_caseworker, referral)
        referral.refresh_from_db()
        assert DELIVERY in referral.permitted_purposes

    def test_at_16_their_own_decision_counts_first(self, school_caseworker):
        referral = referral_aged(school_caseworker, 16)
        record(school_caseworker, referral)
        record(
            school_caseworker,
            referral,
            given_by="person",
            decision="declined",
            method="",
            giver_name="",
        )
        referral.refresh_from_db()
        assert DELIVERY not in referral.permitted_purposes

    @pytest.mark.parametrize(
        ("overrides", "field", "code"),
        [
            ({"giver_name": ""}, "giver_name", "required"),
            ({"method": ""}, "method", "required"),
            ({"decision": "withdrawn"}, "decision", "invalid"),
            ({"decision": "maybe"}, "decision", "invalid_choice"),
            ({"given_by": "neighbour"}, "given_by", "invalid_choice"),
            ({"decided_on": years_ago(-1)}, "decided_on", "future_date"),
        ],
    )
    def test_bad_input_names_the_field_and_writes_nothing(
        self, school_caseworker, overrides, field, code
    ):
        referral = referral_aged(school_caseworker, 14)
        with pytest.raises(ValidationError) as refused:
            record(school_caseworker, referral, **overrides)
        assert codes(refused.value) == {field: [code]}
        assert not Participation.objects.exists()


class TestWithdrawal:
    def test_it_ends_delivery_at_once_and_is_audited(
        self, api, case, mentoring, school_caseworker, provider_keyworker, charity
    ):
        allocation = started(school_caseworker, provider_keyworker, case, mentoring)
        referral = case.referrals.get()

        participation_withdraw(
            actor=school_caseworker,
            referral=referral,
            given_by="parent_or_guardian",
            reason="His mother rang: he no longer wants mentoring",
        )

        allocation.refresh_from_db()
        assert allocation.status == "withdrawn"
        assert allocation.status_reason == "Agreement to take part withdrawn"
        referral.refresh_from_db()
        assert DELIVERY not in referral.permitted_purposes
        body = api(provider_keyworker).get(f"/api/v1/allocations/{allocation.pk}/").json()
        assert body["identity_shown"] is False
        assert "Jordan" not in str(body)
        assert ledger(allocation) == ["disclose", "end_disclosure"]
        assert not case.shares.filter(purpose=DELIVERY, ended_at__isnull=True).exists()
        agreement = referral.participations.get()
        assert agreement.decision == "withdrawn"
        assert agreement.note == "His mother rang: he no longer wants mentoring"
        latest = agreement.history.order_by("-history_id").first()
        assert latest.history_change_reason == "Agreement to take part withdrawn"
        assert latest.history_user == school_caseworker

    def test_nothing_can_be_offered_again_until_they_agree_again(
        self, case, mentoring, school_caseworker
    ):
        allocation = allocation_create(
            actor=school_caseworker, case=case, intervention=mentoring, request="Mentor"
        )
        referral = case.referrals.get()
        participation_withdraw(
            actor=school_caseworker,
            referral=referral,
            given_by="parent_or_guardian",
            reason="Changed their mind",
        )
        with pytest.raises(ValidationError):
            allocation_create(
                actor=school_caseworker, case=case, intervention=mentoring, request="Mentor"
            )
        allocation.refresh_from_db()
        assert allocation.status == "withdrawn"

        agree_to_take_part(school_caseworker, referral)
        again = allocation_create(
            actor=school_caseworker, case=case, intervention=mentoring, request="Mentor"
        )
        assert allocation_offer(actor=school_caseworker, allocation=again).status == "offered"

    def test_only_an_agreement_can_be_withdrawn_and_a_reason_is_needed(self, school_caseworker):
        referral = referral_aged(school_caseworker, 14)
        with pytest.raises(ValidationError) as none_yet:
            participation_withdraw(
                actor=school_caseworker,
                referral=referral,
                given_by="parent_or_guardian",
                reason="Changed their mind",
            )
        assert codes(none_yet.value) == {"given_by": ["not_given"]}
        record(school_caseworker, referral, decision="declined", method="")
        with pytest.raises(ValidationError) as declined:
            participation_withdraw(
                actor=school_caseworker,
                referral=referral,
                given_by="parent_or_guardian",
                reason="Changed their mind",
            )
        assert codes(declined.value) == {"given_by": ["not_given"]}
        with pytest.raises(ValidationError) as no_reason:
            participation_withdraw(
                actor=school_caseworker,
                referral=referral,
                given_by="parent_or_guardian",
                reason="  ",
            )
        assert codes(no_reason.value) == {"reason": ["required"]}


class TestTheApi:
    def url(self, referral, tail=""):
        return f"/api/v1/referrals/{referral.pk}/participation/{tail}"

    def test_record_read_and_withdraw(
        self, api, case, mentoring, school_caseworker, provider_keyworker
    ):
        referral = case.referrals.get()
        allocation = started(school_caseworker, provider_keyworker, case, mentoring)
        client = api(school_caseworker)

        body = client.get(self.url(referral)).json()
        assert body["position"]["permitted"] is True
        assert body["position"]["via"] == "participation"
        assert [p["decision"] for p in body["participations"]] == ["agreed"]

        response = client.post(
            self.url(referral, "withdraw/"),
            {"given_by": "parent_or_guardian", "reason": "Asked to stop coming"},
            format="json",
        )

        assert response.status_code == 200, response.json()
        assert response.json()["position"]["permitted"] is False
        allocation.refresh_from_db()
        assert allocation.status == "withdrawn"
        provider_view = api(provider_keyworker).get(f"/api/v1/allocations/{allocation.pk}/")
        assert provider_view.json()["identity_shown"] is False

    def test_bad_input_is_a_400_with_the_field_and_reason(self, api, school_caseworker):
        referral = referral_aged(school_caseworker, 18)
        client = api(school_caseworker)

        response = client.post(
            self.url(referral),
            {
                "given_by": "parent_or_guardian",
                "decision": "agreed",
                "decided_on": timezone.localdate().isoformat(),
                "method": "verbal",
                "giver_name": "Dee Marsh",
            },
            format="json",
        )

        assert response.status_code == 400
        (error,) = response.json()["errors"]
        assert (error["attr"], error["code"]) == ("given_by", "adult_consents_for_self")
        missing = client.post(self.url(referral, "withdraw/"), {}, format="json")
        assert missing.status_code == 400
        assert {e["attr"] for e in missing.json()["errors"]} == {"given_by", "reason"}
        assert not Participation.objects.exists()

    def test_a_lawful_basis_for_delivery_is_a_400_with_the_reason(
        self, api, school_caseworker, coordinator
    ):
        referral = referral_aged(school_caseworker, 14)
        response = api(coordinator).post(
            f"/api/v1/referrals/{referral.pk}/consents/lawful-basis/",
            {"purpose": DELIVERY, "ground": "child-safeguarding", "justification": JUSTIFICATION},
            format="json",
        )
        assert response.status_code == 400
        (error,) = response.json()["errors"]
        assert (error["attr"], error["code"]) == ("purpose", "agreement_to_take_part_required")

    @pytest.mark.parametrize("who", ["police_officer", "provider_keyworker", "panel_member"])
    def test_others_are_refused(self, api, request, case, who):
        referral = case.referrals.get()
        client = api(request.getfixturevalue(who))
        assert client.get(self.url(referral)).status_code == 404
        withdraw = client.post(
            self.url(referral, "withdraw/"),
            {"given_by": "parent_or_guardian", "reason": "x"},
            format="json",
        )
        assert withdraw.status_code == 404
        assert referral.participations.get().decision == "agreed"

    def test_it_is_in_the_openapi_schema(self, api, school_caseworker):
        schema = api(school_caseworker).get("/api/schema/?format=json").json()
        paths = schema["paths"]
        assert "/api/v1/referrals/{referral_id}/participation" in paths
        assert "/api/v1/referrals/{referral_id}/participation/withdraw" in paths


class TestThePages:
    def url(self, name, referral, **kwargs):
        return reverse(f"referrals:{name}", kwargs={"referral_id": referral.pk, **kwargs})

    def test_the_referral_page_shows_it_apart_and_the_case_page_too(
        self, client, case, school_caseworker
    ):
        referral = case.referrals.get()
        client.force_login(school_caseworker)

        detail = client.get(self.url("detail", referral)).content.decode()

        assert "Agreement to take part in an intervention" in detail
        assert "Consent to sharing" in detail
        assert "Agreed to take part" in detail
        agreement = referral.participations.get()
        assert self.url("participation-withdraw", referral, participation_id=agreement.pk) in (
            detail
        )
        case_page = client.get(reverse("cases:case", args=[case.pk])).content.decode()
        assert "Agreement to take part" in case_page
        assert "intervention_delivery" not in case_page

    def test_recording_on_the_page(self, client, school_caseworker):
        referral = referral_aged(school_caseworker, 14)
        client.force_login(school_caseworker)
        page = client.get(self.url("participation", referral))
        assert page.status_code == 200

        bad = client.post(self.url("participation", referral), {"decision": "agreed"})
        assert bad.status_code == 400
        assert b"Select who decided" in bad.content
        adult_parent = client.post(
            self.url("participation", referral),
            {
                "given_by": "person",
                "decision": "agreed",
                "method": "verbal",
                **date_parts("decided_on", timezone.localdate()),
            },
        )
        assert adult_parent.status_code == 400
        assert b"Gillick" in adult_parent.content
        assert not Participation.objects.exists()

        done = client.post(
            self.url("participation", referral),
            {
                "given_by": "parent_or_guardian",
                "decision": "agreed",
                "method": "written",
                "giver_name": "Dee Marsh",
                **date_parts("decided_on", timezone.localdate()),
            },
        )

        assert done["Location"] == self.url("detail", referral)
        agreement = Participation.objects.get(referral=referral)
        assert (agreement.given_by, agreement.decision, agreement.giver_name) == (
            "parent_or_guardian",
            "agreed",
            "Dee Marsh",
        )
        assert DELIVERY in Referral.objects.get(pk=referral.pk).permitted_purposes

    def test_withdrawing_on_the_page_ends_delivery(
        self, client, case, mentoring, school_caseworker, provider_keyworker
    ):
        allocation = started(school_caseworker, provider_keyworker, case, mentoring)
        referral = case.referrals.get()
        agreement = referral.participations.get()
        withdraw = self.url("participation-withdraw", referral, participation_id=agreement.pk)
        client.force_login(school_caseworker)

        page = client.get(withdraw)
        assert b"Are you sure you want to withdraw their agreement to take part?" in page.content
        empty = client.post(withdraw, {"reason": ""})
        assert empty.status_code == 400
        assert b"Enter how the withdrawal was made known" in empty.content
        assert Allocation.objects.get(pk=allocation.pk).status == "active"

        done = client.post(withdraw, {"reason": "His mother rang the school"})

        assert done["Location"] == self.url("detail", referral)
        assert Allocation.objects.get(pk=allocation.pk).status == "withdrawn"
        assert ledger(allocation) == ["disclose", "end_disclosure"]
        client.force_login(provider_keyworker)
        provider_page = client.get(reverse("interventions:allocation", args=[allocation.pk]))
        assert "Jordan" not in provider_page.content.decode()

    def test_a_lawful_basis_page_offers_no_intervention_delivery(
        self, client, coordinator, school_caseworker
    ):
        referral = referral_aged(school_caseworker, 14)
        client.force_login(coordinator)
        page = client.get(self.url("lawful-basis", referral)).content.decode()
        assert 'value="intervention_delivery"' not in page
        posted = client.post(
            self.url("lawful-basis", referral),
            {"purpose": DELIVERY, "ground": "child-safeguarding", "justification": JUSTIFICATION},
        )
        assert posted.status_code in (200, 400)
        assert not LawfulBasis.objects.exists()

    @pytest.mark.parametrize("who", ["police_officer", "provider_keyworker", "panel_member"])
    def test_others_are_refused(self, client, request, case, who):
        referral = case.referrals.get()
        agreement = referral.participations.get()
        client.force_login(request.getfixturevalue(who))
        withdraw = self.url("participation-withdraw", referral, participation_id=agreement.pk)
        assert client.get(self.url("participation", referral)).status_code == 404
        assert client.get(withdraw).status_code == 404
        assert client.post(withdraw, {"reason": "x"}).status_code == 404
        agreement.refresh_from_db()
        assert agreement.decision == "agreed"


def test_a_stale_position_resting_on_no_agreement_is_put_right_through_the_services(
    case, mentoring, school_caseworker, provider_keyworker
):
    """What migration 0007 leaves for ``reconcile_delivery``: delivery permitted (once by a
    lawful basis) with no agreement to take part behind it."""
    allocation = started(school_caseworker, provider_keyworker, case, mentoring)
    referral = case.referrals.get()
    Participation.objects.filter(referral=referral).delete()

    assert reconcile_delivery() == 1

    referral.refresh_from_db()
    assert DELIVERY not in referral.permitted_purposes
    allocation.refresh_from_db()
    assert allocation.status == "withdrawn"
    assert ledger(allocation) == ["disclose", "end_disclosure"]
    assert reconcile_delivery() == 0


def test_withdrawing_consent_for_delivery_points_to_the_agreement(school_caseworker, case):
    from referrals.consent import consent_withdraw

    with pytest.raises(ValidationError) as refused:
        consent_withdraw(
            actor=school_caseworker,
            referral=case.referrals.get(),
            purposes=[DELIVERY],
            given_by="parent_or_guardian",
            reason="Asked to stop",
        )
    assert codes(refused.value) == {"purposes": ["withdraw_agreement_to_take_part"]}
    assert case.referrals.get().participations.get().decision == "agreed"
