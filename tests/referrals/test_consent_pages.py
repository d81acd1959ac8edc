"""The consent pages: Gillick competence, the lawful basis (record, approve, reject, revoke),
consent withdrawal and referral withdrawal, each done by whoever the rule lets through,
refused to everyone else, and writing nothing on bad input."""

import re

import pytest
from django.urls import reverse

from referrals.consent import consent_record, lawful_basis_decide, lawful_basis_record
from referrals.models import (
    Consent,
    ConsentDecision,
    GillickAssessment,
    LawfulBasis,
    LawfulBasisStatus,
    Referral,
    ReferralStatus,
)
from tests.factories import make_person, submitted_referral, years_ago
from tests.support import date_parts

pytestmark = pytest.mark.django_db

JUSTIFICATION = "He was seen with a knife and his parents cannot be reached."


@pytest.fixture
def referral(school_caseworker):
    """A submitted referral of a 14-year-old from Riverside Academy, in Durham, whose parent
    refused consent to information sharing (the purpose a lawful basis is recorded for)."""
    person = make_person(school_caseworker, date_of_birth=years_ago(14))
    referral = submitted_referral(school_caseworker, person=person)
    consent_record(
        actor=school_caseworker,
        referral=referral,
        purposes=["information_sharing"],
        given_by="parent_or_guardian",
        decision="refused",
        decided_on=years_ago(0),
        giver_name="Alex Fletcher",
    )
    return referral


def url(name, referral, **kwargs):
    return reverse(f"referrals:{name}", kwargs={"referral_id": referral.pk, **kwargs})


def basis_of(referral, recorded_by, purpose="information_sharing"):
    return lawful_basis_record(
        actor=recorded_by,
        referral=referral,
        purpose=purpose,
        ground="child-safeguarding",
        justification=JUSTIFICATION,
    )


def signed_in(client, user):
    client.force_login(user)
    return client


class TestGillick:
    def test_the_referrer_records_an_assessment(self, client, school_caseworker, referral):
        page = signed_in(client, school_caseworker).get(url("gillick", referral))
        assert page.status_code == 200
        assert b"Record a Gillick competence assessment" in page.content

        response = client.post(
            url("gillick", referral),
            {
                "competent": "competent",
                **date_parts("assessed_on", years_ago(0)),
                "rationale": "Understands what the panel is and what sharing means.",
            },
        )

        assert response["Location"] == url("detail", referral)
        assessment = GillickAssessment.objects.get(referral=referral)
        assert assessment.competent is True
        assert assessment.assessed_by == school_caseworker
        assert assessment.assessed_on == years_ago(0)

    def test_bad_input_names_the_field_and_writes_nothing(
        self, client, school_caseworker, referral
    ):
        response = signed_in(client, school_caseworker).post(
            url("gillick", referral),
            {**date_parts("assessed_on", years_ago(0)), "rationale": "Too short"},
        )

        assert response.status_code == 200
        assert b"There is a problem" in response.content
        assert b"Select what the assessment found" in response.content
        assert GillickAssessment.objects.count() == 0

    def test_a_service_rule_is_shown_on_its_field(self, client, school_caseworker, referral):
        response = signed_in(client, school_caseworker).post(
            url("gillick", referral),
            {
                "competent": "competent",
                **date_parts("assessed_on", years_ago(0)),
                "rationale": "Too short",
            },
        )

        assert b"Explain the assessment in at least 20 characters" in response.content
        assert GillickAssessment.objects.count() == 0

    def test_someone_16_is_not_offered_it_and_the_service_refuses_it_on_the_date(
        self, client, school_caseworker
    ):
        older = submitted_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(16))
        )
        signed_in(client, school_caseworker)
        assert url("gillick", older).encode() not in client.get(url("detail", older)).content

        response = client.post(
            url("gillick", older),
            {
                "competent": "competent",
                **date_parts("assessed_on", years_ago(0)),
                "rationale": "Understood everything that was explained.",
            },
        )

        assert response.status_code == 200
        assert b"Gillick competence applies to under-16s" in response.content
        assert GillickAssessment.objects.count() == 0

    @pytest.mark.parametrize("who", ["police_officer", "provider_keyworker", "panel_member"])
    def test_others_cannot_reach_it(self, client, request, referral, who):
        response = signed_in(client, request.getfixturevalue(who)).post(
            url("gillick", referral), {"competent": "competent"}
        )
        assert response.status_code == 404
        assert GillickAssessment.objects.count() == 0


class TestRecordingALawfulBasis:
    def test_the_coordinator_records_one_awaiting_approval(self, client, coordinator, referral):
        page = signed_in(client, coordinator).get(url("lawful-basis", referral))
        # The statute is in the choice's words, not its code.
        assert b"Crime and Disorder Act 1998 s.115" in page.content
        assert b"crime_prevention</label>" not in page.content

        response = client.post(
            url("lawful-basis", referral),
            {
                "purpose": "information_sharing",
                "ground": "cda-s115",
                "justification": JUSTIFICATION,
            },
        )

        assert response["Location"] == url("detail", referral)
        basis = LawfulBasis.objects.get(referral=referral)
        assert (basis.purpose, basis.ground, basis.status) == (
            "information_sharing",
            "cda-s115",
            LawfulBasisStatus.PENDING,
        )
        assert basis.recorded_by == coordinator

    def test_a_missing_justification_is_named_and_nothing_is_written(
        self, client, coordinator, referral
    ):
        response = signed_in(client, coordinator).post(
            url("lawful-basis", referral), {"purpose": "information_sharing"}
        )

        assert response.status_code == 200
        assert b"Select the sharing rule" in response.content
        assert b"Enter why you would go ahead without consent" in response.content
        assert LawfulBasis.objects.count() == 0

    @pytest.mark.parametrize("who", ["police_officer", "provider_keyworker"])
    def test_others_cannot_reach_it(self, client, request, referral, who):
        response = signed_in(client, request.getfixturevalue(who)).get(
            url("lawful-basis", referral)
        )
        assert response.status_code == 404


class TestApprovingAndRejecting:
    def test_another_coordinator_approves(self, client, coordinator, second_coordinator, referral):
        basis = basis_of(referral, coordinator)
        approve = url("lawful-basis-approve", referral, basis_id=basis.pk)

        page = signed_in(client, second_coordinator).get(approve)
        assert page.status_code == 200
        assert JUSTIFICATION.encode() in page.content
        response = client.post(approve, {"note": ""})

        assert response["Location"] == url("detail", referral)
        basis.refresh_from_db()
        assert basis.status == LawfulBasisStatus.APPROVED
        assert basis.decided_by == second_coordinator
        referral.refresh_from_db()
        assert "information_sharing" in referral.permitted_purposes

    def test_the_recorder_cannot_approve_their_own_and_is_not_offered_it(
        self, client, coordinator, referral
    ):
        basis = basis_of(referral, coordinator)
        signed_in(client, coordinator)

        detail = client.get(url("detail", referral))
        assert b"Awaiting approval" in detail.content
        assert url("lawful-basis-approve", referral, basis_id=basis.pk).encode() not in (
            detail.content
        )
        assert url("lawful-basis-reject", referral, basis_id=basis.pk).encode() not in (
            detail.content
        )
        for name in ("lawful-basis-approve", "lawful-basis-reject"):
            assert client.get(url(name, referral, basis_id=basis.pk)).status_code == 403
            response = client.post(url(name, referral, basis_id=basis.pk), {"note": "Fine"})
            assert response.status_code == 403
        basis.refresh_from_db()
        assert basis.status == LawfulBasisStatus.PENDING

    def test_the_referrer_cannot_approve(self, client, school_caseworker, coordinator, referral):
        basis = basis_of(referral, coordinator)
        response = signed_in(client, school_caseworker).post(
            url("lawful-basis-approve", referral, basis_id=basis.pk)
        )
        assert response.status_code == 403

    def test_another_coordinator_is_offered_approve_and_reject(
        self, client, coordinator, second_coordinator, referral
    ):
        basis = basis_of(referral, coordinator)
        detail = signed_in(client, second_coordinator).get(url("detail", referral))
        assert url("lawful-basis-approve", referral, basis_id=basis.pk).encode() in detail.content
        assert url("lawful-basis-reject", referral, basis_id=basis.pk).encode() in detail.content

    def test_rejecting_asks_are_you_sure_and_needs_a_reason(
        self, client, coordinator, second_coordinator, referral
    ):
        basis = basis_of(referral, coordinator)
        reject = url("lawful-basis-reject", referral, basis_id=basis.pk)
        signed_in(client, second_coordinator)

        page = client.get(reject)
        assert b"Are you sure you want to reject this lawful basis?" in page.content
        assert b"govuk-button--warning" in page.content

        empty = client.post(reject, {"note": ""})
        assert empty.status_code == 400
        assert b"Enter why the lawful basis is rejected" in empty.content
        basis.refresh_from_db()
        assert basis.status == LawfulBasisStatus.PENDING

        done = client.post(reject, {"note": "No safeguarding concern is described."})
        assert done["Location"] == url("detail", referral)
        basis.refresh_from_db()
        assert basis.status == LawfulBasisStatus.REJECTED
        assert basis.decided_by == second_coordinator
        assert basis.decision_note == "No safeguarding concern is described."

    def test_a_second_decision_is_a_conflict_explained_on_the_page(
        self, client, coordinator, second_coordinator, referral
    ):
        basis = basis_of(referral, coordinator)
        lawful_basis_decide(actor=second_coordinator, lawful_basis=basis, approve=True)

        response = signed_in(client, second_coordinator).post(
            url("lawful-basis-reject", referral, basis_id=basis.pk), {"note": "Changed my mind"}
        )

        assert response.status_code == 409
        assert b"already approved" in response.content

    def test_a_basis_of_another_referral_is_not_found(
        self, client, school_caseworker, coordinator, second_coordinator, referral
    ):
        other = submitted_referral(school_caseworker)
        basis = basis_of(other, coordinator)
        response = signed_in(client, second_coordinator).get(
            url("lawful-basis-approve", referral, basis_id=basis.pk)
        )
        assert response.status_code == 404


class TestRevoking:
    @pytest.fixture
    def approved(self, coordinator, second_coordinator, referral):
        return lawful_basis_decide(
            actor=second_coordinator, lawful_basis=basis_of(referral, coordinator), approve=True
        )

    def test_a_coordinator_revokes_with_a_reason(self, client, coordinator, referral, approved):
        revoke = url("lawful-basis-revoke", referral, basis_id=approved.pk)
        signed_in(client, coordinator)
        detail = client.get(url("detail", referral))
        assert revoke.encode() in detail.content
        assert b"Are you sure you want to revoke this lawful basis?" in client.get(revoke).content

        assert b"Enter why the lawful basis no longer holds" in client.post(revoke).content
        approved.refresh_from_db()
        assert approved.status == LawfulBasisStatus.APPROVED

        response = client.post(revoke, {"reason": "The family now consents."})

        assert response["Location"] == url("detail", referral)
        approved.refresh_from_db()
        assert approved.status == LawfulBasisStatus.REVOKED
        referral.refresh_from_db()
        assert "information_sharing" not in referral.permitted_purposes

    def test_the_referrer_is_neither_offered_it_nor_let_through(
        self, client, school_caseworker, referral, approved
    ):
        revoke = url("lawful-basis-revoke", referral, basis_id=approved.pk)
        signed_in(client, school_caseworker)
        assert revoke.encode() not in client.get(url("detail", referral)).content
        assert client.post(revoke, {"reason": "Because"}).status_code == 403
        approved.refresh_from_db()
        assert approved.status == LawfulBasisStatus.APPROVED


class TestWithdrawingConsent:
    @pytest.fixture
    def given(self, school_caseworker, referral):
        return Consent.objects.get(
            referral=referral, purpose="panel_discussion", decision=ConsentDecision.GIVEN
        )

    def test_the_referrer_withdraws_one_purpose_with_a_reason(
        self, client, school_caseworker, referral, given
    ):
        withdraw = url("consent-withdraw", referral, consent_id=given.pk)
        signed_in(client, school_caseworker)
        assert withdraw.encode() in client.get(url("detail", referral)).content
        page = client.get(withdraw)
        assert b"Are you sure you want to withdraw this consent?" in page.content
        assert b"Panel discussion" in page.content

        response = client.post(withdraw, {"reason": "His mother telephoned the school."})

        assert response["Location"] == url("detail", referral)
        given.refresh_from_db()
        assert given.decision == ConsentDecision.WITHDRAWN
        assert given.note == "His mother telephoned the school."
        referral.refresh_from_db()
        assert "panel_discussion" not in referral.permitted_purposes

    def test_without_a_reason_nothing_changes(self, client, school_caseworker, referral, given):
        response = signed_in(client, school_caseworker).post(
            url("consent-withdraw", referral, consent_id=given.pk), {"reason": ""}
        )
        assert response.status_code == 200
        assert b"Enter how the withdrawal was made known" in response.content
        given.refresh_from_db()
        assert given.decision == ConsentDecision.GIVEN

    def test_a_refused_consent_is_not_offered_and_posting_changes_nothing(
        self, client, school_caseworker, referral
    ):
        (refused,) = consent_record(
            actor=school_caseworker,
            referral=referral,
            purposes=["assessment"],
            given_by="parent_or_guardian",
            decision="refused",
            decided_on=years_ago(0),
            giver_name="Sam Marsh",
        )
        withdraw = url("consent-withdraw", referral, consent_id=refused.pk)
        signed_in(client, school_caseworker)
        assert withdraw.encode() not in client.get(url("detail", referral)).content

        response = client.post(withdraw, {"reason": "His mother telephoned the school."})

        assert response.status_code == 200
        assert b"Only consent that was given can be withdrawn" in response.content
        refused.refresh_from_db()
        assert refused.decision == ConsentDecision.REFUSED

    @pytest.mark.parametrize("who", ["police_officer", "provider_keyworker"])
    def test_others_cannot_reach_it(self, client, request, referral, given, who):
        response = signed_in(client, request.getfixturevalue(who)).post(
            url("consent-withdraw", referral, consent_id=given.pk), {"reason": "Asked"}
        )
        assert response.status_code == 404
        given.refresh_from_db()
        assert given.decision == ConsentDecision.GIVEN


class TestWithdrawingTheReferral:
    def test_get_asks_are_you_sure_and_post_withdraws(self, client, school_caseworker, referral):
        withdraw = url("withdraw", referral)
        signed_in(client, school_caseworker)
        page = client.get(withdraw)
        assert page.status_code == 200
        assert b"Are you sure you want to withdraw this referral?" in page.content
        assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SUBMITTED

        empty = client.post(withdraw, {"reason": ""})
        assert b"Enter why you are withdrawing this referral" in empty.content
        assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SUBMITTED

        response = client.post(withdraw, {"reason": "Moved out of the area"})

        assert response["Location"] == url("detail", referral)
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.WITHDRAWN
        assert referral.withdrawal_reason == "Moved out of the area"

    def test_the_coordinator_is_refused(self, client, coordinator, referral):
        signed_in(client, coordinator)
        assert client.get(url("withdraw", referral)).status_code == 403
        assert client.post(url("withdraw", referral), {"reason": "No"}).status_code == 403


class TestTheReferralPage:
    def test_it_reads_in_words_with_names_and_dates(
        self, client, school_caseworker, coordinator, second_coordinator, referral
    ):
        lawful_basis_decide(
            actor=second_coordinator,
            lawful_basis=basis_of(referral, coordinator),
            approve=True,
        )

        content = signed_in(client, school_caseworker).get(url("detail", referral)).content

        for words in (
            b"Panel discussion",
            b"Information sharing",
            b"Agreement to take part in an intervention",
            b"Safeguarding a child (Children Act 2004 s.11; Children Act 1989 s.47)",
            b"Approved",
            str(coordinator).encode(),
            str(second_coordinator).encode(),
            years_ago(0).strftime("%-d %B %Y").encode(),
            b"Record a Gillick competence assessment",
            b"Record a lawful basis",
        ):
            assert words in content, words
        for code in (b"panel_discussion<", b"Paneldiscussion", b"safeguarding<", b">approved<"):
            assert code not in content

    def test_no_gillick_link_for_someone_16_or_over(self, client, school_caseworker):
        older = submitted_referral(
            school_caseworker, person=make_person(school_caseworker, date_of_birth=years_ago(17))
        )
        content = signed_in(client, school_caseworker).get(url("detail", older)).content
        assert url("gillick", older).encode() not in content


@pytest.mark.parametrize("who", ["school_caseworker", "coordinator", "second_coordinator"])
def test_every_consent_link_on_the_referral_page_can_be_followed(
    client, request, school_caseworker, coordinator, second_coordinator, referral, who
):
    lawful_basis_decide(
        actor=second_coordinator,
        lawful_basis=basis_of(referral, coordinator),
        approve=True,
    )
    basis_of(referral, coordinator, purpose="assessment")
    signed_in(client, request.getfixturevalue(who))
    content = client.get(url("detail", referral)).content.decode()
    prefix = url("detail", referral)

    links = {
        link
        for link in re.findall(r'href="([^"]+)"', content)
        if link.startswith(prefix) and ("lawful-basis" in link or "consent/" in link)
    }

    assert links, who
    assert {link: client.get(link).status_code for link in links} == dict.fromkeys(links, 200)
