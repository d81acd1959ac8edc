"""Issue 12, item 1: a provider learns who an allocation is for only from the offer until the
allocation ends, and only while the delivery basis holds; each change of what it sees is a
disclosure, or the end of one, in the ledger."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent, EventKind
from interventions.services import (
    allocation_create,
    allocation_offer,
    allocation_transition,
    contact_record,
)
from tests.factories import case_ready_for_delivery, make_intervention, make_person, years_ago

ALLOCATIONS = "/api/v1/allocations/"
# Jordan Fletcher, born 14 March 2011, DH1 3LE (demo.builders.PERSON_DEFAULTS).
IDENTITY = ("Jordan", "Fletcher", "DH1 3LE", "2011-03-14")


@pytest.fixture
def mentoring(charity):
    return make_intervention(charity, capacity=1)


@pytest.fixture
def case(school_caseworker, coordinator, panel_chair):
    return case_ready_for_delivery(school_caseworker, coordinator, panel_chair)


def propose(lead, case, intervention):
    return allocation_create(
        actor=lead, case=case, intervention=intervention, request="Weekly mentoring"
    )


def offered(lead, case, intervention):
    allocation = propose(lead, case, intervention)
    return allocation_offer(actor=lead, allocation=allocation)


def started(lead, keyworker, case, intervention):
    allocation = offered(lead, case, intervention)
    allocation_transition(actor=keyworker, allocation=allocation, action="accept")
    return allocation_transition(actor=keyworker, allocation=allocation, action="start")


def api_view(client, allocation) -> dict:
    response = client.get(f"{ALLOCATIONS}{allocation.pk}/")
    assert response.status_code == 200
    return response.json()


def assert_no_identity(body: dict) -> None:
    assert body["identity_shown"] is False
    assert body["person"] is None
    for detail in IDENTITY:
        assert detail not in str(body)


def ledger(allocation) -> list[tuple[str, int | None]]:
    return list(
        AuditEvent.objects.filter(
            kind=EventKind.DISCLOSURE, object_type="allocation", object_id=str(allocation.pk)
        )
        .order_by("id")
        .values_list("action", "recipient_organisation_id")
    )


def web_page(client, allocation) -> str:
    response = client.get(reverse("interventions:allocation", args=[allocation.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
class TestBeforeTheOffer:
    def test_a_proposed_allocation_shows_the_provider_only_what_it_plans_with(
        self, api, client, case, mentoring, school_caseworker, provider_keyworker
    ):
        allocation = propose(school_caseworker, case, mentoring)

        body = api_view(api(provider_keyworker), allocation)
        assert_no_identity(body)
        assert (body["intervention"]["name"], body["area"], body["age_band"]) == (
            "Mentoring for young people",
            "durham",
            "13\u201315",
        )
        listed = api(provider_keyworker).get(ALLOCATIONS).json()["results"]
        assert_no_identity(listed[0])

        client.force_login(provider_keyworker)
        caseload = client.get(reverse("interventions:caseload")).content.decode()
        assert "Person not yet disclosed: age band 13\u201315, Durham" in caseload
        page = web_page(client, allocation)
        assert "Person not yet disclosed" in page
        for detail in IDENTITY:
            assert detail not in page
            assert detail not in caseload
        assert ledger(allocation) == []

    def test_a_waitlisted_allocation_shows_no_identity(
        self,
        api,
        client,
        case,
        mentoring,
        school_caseworker,
        coordinator,
        panel_chair,
        provider_keyworker,
    ):
        other = make_person(school_caseworker, family_name="Other", date_of_birth=years_ago(14))
        offered(
            school_caseworker,
            case_ready_for_delivery(school_caseworker, coordinator, panel_chair, person=other),
            mentoring,
        )
        waiting = offered(school_caseworker, case, mentoring)
        assert waiting.status == "waitlisted"

        assert_no_identity(api_view(api(provider_keyworker), waiting))
        client.force_login(provider_keyworker)
        page = web_page(client, waiting)
        assert "Person not yet disclosed: age band 13\u201315, Durham" in page
        assert "Jordan" not in page
        assert ledger(waiting) == []

    def test_the_lead_professional_and_coordinator_still_see_the_person(
        self, api, case, mentoring, school_caseworker, coordinator
    ):
        allocation = propose(school_caseworker, case, mentoring)
        for user in (school_caseworker, coordinator):
            body = api_view(api(user), allocation)
            assert body["identity_shown"] is True
            assert body["person"]["given_name"] == "Jordan"


@pytest.mark.django_db
class TestFromTheOffer:
    def test_the_offer_discloses_the_person_and_the_ledger_says_so(
        self, api, client, case, mentoring, school_caseworker, provider_keyworker, charity
    ):
        allocation = offered(school_caseworker, case, mentoring)

        body = api_view(api(provider_keyworker), allocation)
        assert body["identity_shown"] is True
        assert body["person"]["given_name"] == "Jordan"
        assert body["person"]["postcode"] == "DH1 3LE"
        client.force_login(provider_keyworker)
        assert "Jordan Fletcher" in web_page(client, allocation)
        assert ledger(allocation) == [("disclose", charity.pk)]
        event = AuditEvent.objects.get(object_type="allocation", action="disclose")
        assert (event.person_id, event.purpose, event.basis) == (
            case.person_id,
            "intervention_delivery",
            "child-safeguarding",
        )

    def test_a_place_freed_from_the_waiting_list_is_a_disclosure_then(
        self,
        api,
        case,
        mentoring,
        school_caseworker,
        coordinator,
        panel_chair,
        provider_keyworker,
        charity,
    ):
        other = make_person(school_caseworker, family_name="Other", date_of_birth=years_ago(14))
        first = offered(
            school_caseworker,
            case_ready_for_delivery(school_caseworker, coordinator, panel_chair, person=other),
            mentoring,
        )
        waiting = offered(school_caseworker, case, mentoring)
        allocation_transition(
            actor=school_caseworker, allocation=first, action="cancel", reason="Moved away"
        )

        assert api_view(api(provider_keyworker), waiting)["person"]["given_name"] == "Jordan"
        assert ledger(waiting) == [("disclose", charity.pk)]
        assert ledger(first) == [("disclose", charity.pk), ("end_disclosure", charity.pk)]


@pytest.mark.django_db
class TestAfterTheEnd:
    @pytest.mark.parametrize(
        ("actor", "action"),
        [
            ("provider_keyworker", "withdraw"),
            ("school_caseworker", "withdraw"),
            ("school_caseworker", "cancel"),
        ],
    )
    def test_withdrawal_and_cancellation_end_the_disclosure(
        self,
        api,
        client,
        request,
        case,
        mentoring,
        school_caseworker,
        provider_keyworker,
        charity,
        actor,
        action,
    ):
        allocation = offered(school_caseworker, case, mentoring)
        response = api(request.getfixturevalue(actor)).post(
            f"{ALLOCATIONS}{allocation.pk}/{action}/", {"reason": "Family moved"}, format="json"
        )
        assert response.status_code == 200

        assert_no_identity(api_view(api(provider_keyworker), allocation))
        client.force_login(provider_keyworker)
        page = web_page(client, allocation)
        assert "Person no longer disclosed: age band 13\u201315, Durham" in page
        assert "Jordan" not in page
        assert ledger(allocation) == [("disclose", charity.pk), ("end_disclosure", charity.pk)]

    def test_completion_ends_the_disclosure_but_the_provider_keeps_its_contacts(
        self, api, client, case, mentoring, school_caseworker, provider_keyworker, charity
    ):
        allocation = started(school_caseworker, provider_keyworker, case, mentoring)
        contact_record(
            actor=provider_keyworker,
            allocation=allocation,
            contact_date=timezone.localdate() - datetime.timedelta(days=1),
            contact_type="face_to_face",
            outcome="attended",
            notes="Talked about football",
        )
        keyworker = api(provider_keyworker)
        assert keyworker.post(f"{ALLOCATIONS}{allocation.pk}/complete/").status_code == 200

        assert_no_identity(api_view(keyworker, allocation))
        contacts = keyworker.get(f"{ALLOCATIONS}{allocation.pk}/contacts/").json()["results"]
        assert [c["notes"] for c in contacts] == ["Talked about football"]
        client.force_login(provider_keyworker)
        page = web_page(client, allocation)
        assert "Talked about football" in page
        for detail in IDENTITY:
            assert detail not in page
        assert ledger(allocation) == [("disclose", charity.pk), ("end_disclosure", charity.pk)]
        ended = AuditEvent.objects.get(object_type="allocation", action="end_disclosure")
        assert ended.user == provider_keyworker

    def test_losing_the_delivery_basis_ends_the_disclosure_at_once(
        self, api, case, mentoring, school_caseworker, provider_keyworker, charity
    ):
        from referrals.participation import participation_withdraw

        allocation = started(school_caseworker, provider_keyworker, case, mentoring)
        participation_withdraw(
            actor=school_caseworker,
            referral=case.referrals.get(),
            given_by="parent_or_guardian",
            reason="Family no longer wants mentoring",
        )

        assert_no_identity(api_view(api(provider_keyworker), allocation))
        assert ledger(allocation) == [("disclose", charity.pk), ("end_disclosure", charity.pk)]
        ended = AuditEvent.objects.get(object_type="allocation", action="end_disclosure")
        assert "Agreement to take part withdrawn" in ended.content

    def test_the_basis_is_checked_itself_not_only_the_status(
        self, api, case, mentoring, school_caseworker, provider_keyworker
    ):
        # Were the consent cascade ever bypassed, an offered allocation whose referral no
        # longer permits delivery still shows no identity.
        from referrals.models import Referral

        allocation = offered(school_caseworker, case, mentoring)
        Referral.objects.filter(case=case).update(permitted_purposes=["panel_discussion"])

        assert_no_identity(api_view(api(provider_keyworker), allocation))
