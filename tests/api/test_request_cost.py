"""What every API request pays, budgeted in queries: one for the token with its user and
their memberships, at most one to note the token's use (once a minute), then the endpoint's
own reads, and one INSERT for the request's audit events."""

import uuid

import pytest

from api.authentication import HashedTokenAuthentication
from api.services import api_token_issue
from partners.roles import Role
from partners.selectors import active_memberships
from tests.factories import make_person, opened_case, submitted_referral

REFERRALS_URL = "/api/v1/referrals/"
PEOPLE_URL = "/api/v1/people/"


def new_referral_body():
    return {
        "pathway": "u18_prevention",
        "area": "durham",
        "incident_date": "2026-06-01",
        "incident_place": "Outside the school gates",
        "narrative": "Threatened a pupil with a blade after school.",
        "risk_factors": ["knife_carrying"],
        "risk_level": "medium",
        "new_person": {
            "given_name": "Casey",
            "family_name": f"Hartley{uuid.uuid4().hex[:6]}",
            "date_of_birth": "2011-03-04",
            "gender": "male",
        },
    }


@pytest.mark.django_db
class TestTheTokenCheck:
    def test_one_query_finds_the_token_its_user_and_their_roles(
        self, coordinator, django_assert_num_queries
    ):
        _, raw = api_token_issue(user=coordinator)
        HashedTokenAuthentication().authenticate_credentials(raw)  # notes the first use
        with django_assert_num_queries(1):
            user, token = HashedTokenAuthentication().authenticate_credentials(raw)
            roles = {m.role for m in active_memberships(user)}
            organisations = {m.organisation.name for m in active_memberships(user)}
        assert user == coordinator
        assert token.user_id == coordinator.pk
        assert roles == {Role.COORDINATOR}
        assert organisations == {"Durham County Council"}

    def test_the_roles_it_loads_are_those_the_rules_would_load(
        self, coordinator, durham_council, school
    ):
        from django.utils import timezone

        from partners.models import Membership
        from partners.selectors import forget_memberships

        Membership.objects.create(user=coordinator, organisation=school, role=Role.REFERRER)
        Membership.objects.create(
            user=coordinator,
            organisation=durham_council,
            role=Role.PANEL_MEMBER,
            ended_at=timezone.now(),
        )
        _, raw = api_token_issue(user=coordinator)
        user, _ = HashedTokenAuthentication().authenticate_credentials(raw)
        loaded = [(m.pk, m.organisation_id, m.role) for m in active_memberships(user)]
        forget_memberships(user)
        assert loaded == [(m.pk, m.organisation_id, m.role) for m in active_memberships(user)]
        assert len(loaded) == 2

    def test_a_user_without_roles_is_still_signed_in_and_holds_none(self, school):
        from partners.models import User

        nobody = User.objects.create_user(username="no-roles", password="x" * 16)
        _, raw = api_token_issue(user=nobody)
        user, _ = HashedTokenAuthentication().authenticate_credentials(raw)
        assert user == nobody
        assert active_memberships(user) == []


@pytest.mark.django_db
class TestQueryBudgets:
    def test_referral_detail_as_coordinator(
        self, api, school_caseworker, coordinator, django_assert_max_num_queries
    ):
        referral = submitted_referral(school_caseworker)
        client = api(coordinator)
        client.get(f"{REFERRALS_URL}{referral.pk}/")  # the token's first use is noted
        # token with roles; the referral; linked referrals (which also say whether other
        # partners referred); the MARAC flag; the audit INSERT.
        with django_assert_max_num_queries(5):
            assert client.get(f"{REFERRALS_URL}{referral.pk}/").status_code == 200

    def test_case_detail_as_coordinator(
        self, api, school_caseworker, coordinator, panel_chair, django_assert_max_num_queries
    ):
        case = opened_case(school_caseworker, coordinator, panel_chair)
        client = api(coordinator)
        client.get(f"/api/v1/cases/{case.pk}/")
        # token with roles; the case with its referrals' ids; the audit INSERT.
        with django_assert_max_num_queries(3):
            response = client.get(f"/api/v1/cases/{case.pk}/")
        assert response.status_code == 200
        assert response.json()["referrals"] == [
            str(pk) for pk in case.referrals.order_by("-created_at").values_list("pk", flat=True)
        ]
        assert response.json()["referrals"]

    def test_person_match_as_coordinator(
        self, api, school_caseworker, coordinator, django_assert_max_num_queries
    ):
        person = make_person(school_caseworker)
        submitted_referral(school_caseworker, person=person)
        client = api(coordinator)
        url = (
            f"{PEOPLE_URL}match/?family_name={person.family_name}"
            f"&date_of_birth={person.date_of_birth.isoformat()}"
        )
        client.get(url)
        # token with roles; the count and the page; the audit INSERT.
        with django_assert_max_num_queries(4):
            response = client.get(url)
        assert response.status_code == 200
        assert response.json()["count"] == 1

    def test_creating_a_referral_for_a_new_person(
        self, api, school_caseworker, django_assert_max_num_queries
    ):
        client = api(school_caseworker)
        client.post(REFERRALS_URL, new_referral_body(), format="json")
        # token with roles; Idempotency-Key claimed and its answer stored; whether anyone
        # is recorded under the person's blind indexes (nobody: no duplicate to show, no
        # open case to join); one statement for the person, its history and its two
        # grants, the referral and its history; both change events in one INSERT; the
        # savepoints of the key's block and the service's (in production, BEGIN and
        # COMMIT). No record is read back, and the answer's MARAC flag is known without a
        # query: nobody else shares an index.
        with django_assert_max_num_queries(10):
            response = client.post(
                REFERRALS_URL,
                new_referral_body(),
                format="json",
                HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            )
        assert response.status_code == 201, response.json()
