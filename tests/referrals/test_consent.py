"""Consent by age, Gillick competence, lawful bases and withdrawal."""

import pytest
from django.core.exceptions import ValidationError

from referrals.consent import consent_position, consent_record, consent_withdraw, gillick_record
from referrals.models import ReferralStatus
from referrals.permissions import consent_offered, gillick_applies
from referrals.selectors import referrals_visible_to
from referrals.services import referral_screen
from tests.factories import give_consent, make_person, make_referral, years_ago

URL = "/api/v1/referrals/{}/consents/"


def referral_for(actor, age_years, **kw):
    person = make_person(actor, date_of_birth=years_ago(age_years, days=-30))
    return make_referral(actor, person=person, **kw)


def record(client, referral, **overrides):
    data = {
        "purposes": ["panel_discussion"],
        "given_by": "person",
        "decision": "given",
        "decided_on": years_ago(0).isoformat(),
        "method": "verbal",
        **overrides,
    }
    return client.post(URL.format(referral.pk), data, format="json")


def permitted(client, referral, purpose="panel_discussion") -> bool:
    position = client.get(URL.format(referral.pk)).json()["position"]
    return next(p for p in position if p["purpose"] == purpose)["permitted"]


@pytest.mark.django_db
class TestWhoDecides:
    def test_an_adult_decides_and_a_parent_cannot_decide_for_them(self, api, police_officer):
        referral = referral_for(
            police_officer, 25, pathway="adult_18_35", risk_factors=["knife_carrying"]
        )
        client = api(police_officer)

        parent = record(client, referral, given_by="parent_or_guardian", giver_name="Mum")
        own = record(client, referral)

        assert parent.status_code == 400
        assert parent.json()["errors"][0]["code"] == "adult_consents_for_self"
        assert own.status_code == 201
        assert permitted(client, referral)

    def test_a_16_year_old_may_consent_for_themselves(self, api, school_caseworker):
        referral = referral_for(school_caseworker, 16)
        client = api(school_caseworker)
        assert record(client, referral).status_code == 201
        assert permitted(client, referral)

    def test_a_17_year_olds_own_refusal_stands_over_a_parents_consent(self, api, school_caseworker):
        referral = referral_for(school_caseworker, 17)
        client = api(school_caseworker)
        record(client, referral, given_by="parent_or_guardian", giver_name="Dad")
        assert permitted(client, referral)
        record(client, referral, decision="refused")
        assert not permitted(client, referral)

    def test_under_16_without_gillick_cannot_consent_for_themselves(self, api, school_caseworker):
        referral = referral_for(school_caseworker, 14)
        client = api(school_caseworker)

        response = record(client, referral)

        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "gillick_assessment_required"
        assert not permitted(client, referral)

    def test_under_16_a_parent_decides(self, api, school_caseworker):
        referral = referral_for(school_caseworker, 14)
        client = api(school_caseworker)
        missing_name = record(client, referral, given_by="parent_or_guardian")
        named = record(client, referral, given_by="parent_or_guardian", giver_name="Alex Fletcher")
        assert missing_name.status_code == 400
        assert named.status_code == 201
        assert permitted(client, referral)

    def test_a_gillick_competent_childs_consent_overrides_a_parents_refusal(
        self, api, school_caseworker
    ):
        referral = referral_for(school_caseworker, 14)
        client = api(school_caseworker)
        record(
            client, referral, given_by="parent_or_guardian", giver_name="Mum", decision="refused"
        )
        assert not permitted(client, referral)

        gillick = client.post(
            URL.format(referral.pk) + "gillick/",
            {
                "competent": True,
                "assessed_on": years_ago(0).isoformat(),
                "rationale": "Understood the purpose, the sharing and the choice; weighed it up.",
            },
            format="json",
        )
        own = record(client, referral)

        assert gillick.status_code == 201
        assert own.status_code == 201
        assert permitted(client, referral)
        position = next(
            p
            for p in client.get(URL.format(referral.pk)).json()["position"]
            if p["purpose"] == "panel_discussion"
        )
        assert "Gillick" in position["explanation"]

    def test_an_assessment_finding_the_child_not_competent_keeps_the_parent_deciding(
        self, api, school_caseworker
    ):
        referral = referral_for(school_caseworker, 13)
        client = api(school_caseworker)
        client.post(
            URL.format(referral.pk) + "gillick/",
            {
                "competent": False,
                "assessed_on": years_ago(0).isoformat(),
                "rationale": "Could not explain what would be shared or with whom.",
            },
            format="json",
        )
        assert record(client, referral).status_code == 400

    def test_gillick_is_for_under_16s_only(self, api, school_caseworker):
        referral = referral_for(school_caseworker, 16)
        response = api(school_caseworker).post(
            URL.format(referral.pk) + "gillick/",
            {
                "competent": True,
                "assessed_on": years_ago(0).isoformat(),
                "rationale": "Understood everything that was explained.",
            },
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "not_under_16"

    def test_a_future_decision_date_is_refused(self, api, school_caseworker):
        referral = referral_for(school_caseworker, 16)
        response = record(api(school_caseworker), referral, decided_on="2999-01-01")
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "decided_on"


@pytest.mark.django_db
class TestLawfulBasis:
    def basis(self, client, referral, ground="child-safeguarding"):
        return client.post(
            URL.format(referral.pk) + "lawful-basis/",
            {
                "purpose": "panel_discussion",
                "ground": ground,
                "justification": "Risk of serious harm; the family cannot be contacted safely.",
            },
            format="json",
        )

    def test_a_lawful_basis_without_approval_permits_nothing(
        self, api, school_caseworker, coordinator
    ):
        referral = referral_for(school_caseworker, 14)
        client = api(school_caseworker)

        assert self.basis(client, referral).status_code == 201
        assert not permitted(client, referral)
        submit = client.post(f"/api/v1/referrals/{referral.pk}/submit/")
        assert submit.status_code == 400

    def test_a_coordinator_approves_it_once_the_referral_is_submitted(
        self, api, school_caseworker, coordinator, second_coordinator
    ):
        referral = referral_for(school_caseworker, 14)
        give_consent(school_caseworker, referral, purposes=["panel_discussion"])
        client = api(school_caseworker)
        client.post(f"/api/v1/referrals/{referral.pk}/submit/")
        basis_id = self.basis(api(coordinator), referral, ground="cda-s115").json()["lawful_bases"][
            0
        ]["id"]

        self_approval = api(coordinator).post(
            URL.format(referral.pk) + f"lawful-basis/{basis_id}/approve/"
        )
        by_referrer = client.post(URL.format(referral.pk) + f"lawful-basis/{basis_id}/approve/")
        approved = api(second_coordinator).post(
            URL.format(referral.pk) + f"lawful-basis/{basis_id}/approve/",
            {"note": "Agreed"},
            format="json",
        )
        again = api(second_coordinator).post(
            URL.format(referral.pk) + f"lawful-basis/{basis_id}/approve/"
        )

        assert self_approval.status_code == 403
        assert by_referrer.status_code == 403
        assert approved.status_code == 200
        assert again.status_code == 409
        assert approved.json()["lawful_bases"][0]["status"] == "approved"

    def test_the_rule_is_checked_at_each_disclosure_not_when_the_basis_is_recorded(
        self, api, health_caseworker
    ):
        """Whether s.16 covers a disclosure depends on who discloses and who receives, so
        recording it is not refused; each disclosure on it is (tests/sharing)."""
        referral = referral_for(
            health_caseworker, 25, pathway="adult_18_35", risk_factors=["knife_carrying"]
        )
        response = self.basis(api(health_caseworker), referral, ground="svd-s16")
        assert response.status_code == 201
        assert referral.lawful_bases.get().ground == "svd-s16"

    def test_an_unknown_rule_is_refused(self, api, school_caseworker):
        referral = referral_for(school_caseworker, 14)
        response = self.basis(api(school_caseworker), referral, ground="safeguarding")
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "ground"

    def test_section_16_is_open_to_the_police(self, api, police_officer):
        referral = referral_for(police_officer, 14)
        response = self.basis(api(police_officer), referral, ground="svd-s16")
        assert response.status_code == 201

    def test_a_justification_is_required(self, api, school_caseworker):
        referral = referral_for(school_caseworker, 14)
        response = api(school_caseworker).post(
            URL.format(referral.pk) + "lawful-basis/",
            {
                "purpose": "panel_discussion",
                "ground": "child-safeguarding",
                "justification": "risk",
            },
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "justification"


@pytest.mark.django_db
class TestWithdrawal:
    def test_withdrawal_removes_a_referral_from_panel_at_once(
        self, api, school_caseworker, coordinator
    ):
        referral = referral_for(school_caseworker, 14)
        give_consent(school_caseworker, referral)
        client = api(school_caseworker)
        client.post(f"/api/v1/referrals/{referral.pk}/submit/")
        referral_screen(actor=coordinator, referral=referral, outcome="accepted_for_panel")
        ready = (
            referrals_visible_to(coordinator)
            .filter(status=ReferralStatus.ACCEPTED_FOR_PANEL)
            .filter(permitted_purposes__contains=["panel_discussion"])
        )
        assert list(ready) == [referral]

        response = client.post(
            URL.format(referral.pk) + "withdraw/",
            {
                "purposes": ["panel_discussion"],
                "given_by": "parent_or_guardian",
                "reason": "Mum phoned the school",
            },
            format="json",
        )

        assert response.status_code == 200
        assert list(ready.all()) == []
        consent = referral.consents.get(purpose="panel_discussion")
        assert [h.decision for h in consent.history.order_by("history_date")] == [
            "given",
            "withdrawn",
        ]

    def test_only_given_consent_can_be_withdrawn(self, api, school_caseworker):
        referral = referral_for(school_caseworker, 14)
        response = api(school_caseworker).post(
            URL.format(referral.pk) + "withdraw/",
            {"purposes": ["assessment"], "given_by": "parent_or_guardian", "reason": "Phoned"},
            format="json",
        )
        assert response.status_code == 400

    def test_an_approved_lawful_basis_keeps_the_purpose_going_after_withdrawal(
        self, school_caseworker, coordinator, second_coordinator
    ):
        from referrals.consent import consent_withdraw, lawful_basis_decide, lawful_basis_record
        from referrals.services import referral_submit

        referral = referral_for(school_caseworker, 14)
        give_consent(school_caseworker, referral)
        referral_submit(actor=school_caseworker, referral=referral)
        basis = lawful_basis_record(
            actor=coordinator,
            referral=referral,
            purpose="panel_discussion",
            ground="child-safeguarding",
            justification="Child at risk of criminal exploitation by an adult group.",
        )
        lawful_basis_decide(actor=second_coordinator, lawful_basis=basis, approve=True)

        consent_withdraw(
            actor=school_caseworker,
            referral=referral,
            purposes=["panel_discussion"],
            given_by="parent_or_guardian",
            reason="Dad emailed",
        )

        position = consent_position(referral)["panel_discussion"]
        assert position.permitted
        assert position.via == "lawful_basis"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["police_officer", "provider_keyworker", "ig_officer"])
def test_others_cannot_see_or_record_consent(api, request, school_caseworker, who):
    referral = referral_for(school_caseworker, 14)
    client = api(request.getfixturevalue(who))
    assert client.get(URL.format(referral.pk)).status_code == 404
    assert (
        record(client, referral, given_by="parent_or_guardian", giver_name="X").status_code == 404
    )
    assert referral.consents.count() == 0


@pytest.mark.django_db
class TestTheServiceRefusesWhatThePagesDoNotOffer:
    """The pages offer what ``referrals.permissions`` says; the services refuse the rest."""

    def test_a_refused_consent_is_not_offered_for_withdrawal_and_cannot_be_withdrawn(
        self, school_caseworker
    ):
        referral = referral_for(school_caseworker, 14)
        (refused,) = consent_record(
            actor=school_caseworker,
            referral=referral,
            purposes=["assessment"],
            given_by="parent_or_guardian",
            decision="refused",
            decided_on=years_ago(0),
            giver_name="Sam Marsh",
        )

        assert consent_offered(school_caseworker, refused) == {"withdraw": False}
        with pytest.raises(ValidationError) as refusal:
            consent_withdraw(
                actor=school_caseworker,
                referral=referral,
                purposes=["assessment"],
                given_by="parent_or_guardian",
                reason="Phoned the school",
            )

        assert refusal.value.error_dict["purposes"][0].code == "not_given"
        refused.refresh_from_db()
        assert refused.decision == "refused"

    def test_given_consent_is_offered_to_whoever_may_record_it_only(
        self, school_caseworker, police_officer
    ):
        referral = referral_for(school_caseworker, 14)
        give_consent(school_caseworker, referral)
        given = referral.consents.filter(decision="given").first()

        assert consent_offered(school_caseworker, given) == {"withdraw": True}
        assert consent_offered(police_officer, given) == {"withdraw": False}

    @pytest.mark.parametrize(("age", "applies"), [(15, True), (16, False), (17, False)])
    def test_gillick_is_offered_and_recorded_for_under_16s_only(
        self, school_caseworker, age, applies
    ):
        referral = referral_for(school_caseworker, age)
        assert gillick_applies(referral.person, years_ago(0)) is applies

        def assess():
            return gillick_record(
                actor=school_caseworker,
                referral=referral,
                competent=True,
                assessed_on=years_ago(0),
                rationale="Understood everything that was explained.",
            )

        if applies:
            assert assess().competent
        else:
            with pytest.raises(ValidationError) as refusal:
                assess()
            assert refusal.value.error_dict["assessed_on"][0].code == "not_under_16"
            assert referral.gillick_assessments.count() == 0
