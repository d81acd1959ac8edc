"""The catalogue, the provider's caseload and allocation pages, and allocating from a case."""

import pytest
from django.urls import reverse
from django.utils import timezone

from interventions.models import Allocation
from interventions.services import allocation_create, allocation_offer, allocation_transition
from tests.factories import case_ready_for_delivery, make_intervention, make_person, years_ago
from tests.support import date_parts


@pytest.fixture
def mentoring(charity):
    return make_intervention(charity, capacity=2)


@pytest.fixture
def case(school_caseworker, coordinator, panel_chair):
    return case_ready_for_delivery(school_caseworker, coordinator, panel_chair)


@pytest.fixture
def active_allocation(case, mentoring, school_caseworker, provider_keyworker):
    allocation = allocation_create(
        actor=school_caseworker, case=case, intervention=mentoring, request="Weekly mentoring"
    )
    allocation_offer(actor=school_caseworker, allocation=allocation)
    allocation_transition(actor=provider_keyworker, allocation=allocation, action="accept")
    return allocation_transition(actor=provider_keyworker, allocation=allocation, action="start")


@pytest.mark.django_db
class TestProviderPages:
    def test_the_caseload_lists_the_organisations_allocations(
        self, client, active_allocation, provider_keyworker
    ):
        client.force_login(provider_keyworker)
        page = client.get(reverse("interventions:caseload"))
        assert b"Jordan Fletcher" in page.content
        assert b"Mentoring for young people" in page.content

    def test_the_provider_records_a_contact_and_an_outcome(
        self, client, active_allocation, provider_keyworker
    ):
        client.force_login(provider_keyworker)
        today = timezone.localdate()
        contact = client.post(
            reverse("interventions:contact", args=[active_allocation.pk]),
            {
                "contact_type": "phone",
                "outcome": "attended",
                "duration_minutes": "20",
                **date_parts("contact_date", today),
            },
        )
        outcome = client.post(
            reverse("interventions:outcome", args=[active_allocation.pk]),
            {
                "measure": "feeling_safe",
                "kind": "baseline",
                "value": "5",
                **date_parts("recorded_on", today),
            },
        )
        out_of_range = client.post(
            reverse("interventions:outcome", args=[active_allocation.pk]),
            {
                "measure": "audit_c",
                "kind": "baseline",
                "value": "40",
                **date_parts("recorded_on", today),
            },
        )
        assert contact.status_code == 302
        assert outcome.status_code == 302
        assert out_of_range.status_code == 400
        assert b"AUDIT-C alcohol score is measured from 0 to 12" in out_of_range.content
        assert active_allocation.contacts.count() == 1

    def test_the_provider_never_sees_the_narrative_the_case_or_the_referral(
        self, client, active_allocation, provider_keyworker
    ):
        client.force_login(provider_keyworker)
        referral = active_allocation.case.referrals.get()
        page = client.get(reverse("interventions:allocation", args=[active_allocation.pk]))
        assert page.status_code == 200
        assert referral.narrative.encode() not in page.content
        assert (
            client.get(reverse("cases:case", args=[active_allocation.case_id])).status_code == 404
        )
        assert client.get(reverse("referrals:detail", args=[referral.pk])).status_code == 404

    def test_another_provider_gets_404(self, client, active_allocation):
        from tests.factories import make_member, make_organisation

        other = make_member(make_organisation(organisation_type="voluntary"), "provider")
        client.force_login(other)
        assert (
            client.get(reverse("interventions:allocation", args=[active_allocation.pk])).status_code
            == 404
        )
        assert b"Nothing allocated" in client.get(reverse("interventions:caseload")).content

    def test_the_caseload_has_a_query_budget(
        self,
        client,
        school_caseworker,
        coordinator,
        panel_chair,
        charity,
        provider_keyworker,
        django_assert_max_num_queries,
    ):
        intervention = make_intervention(charity, capacity=20)
        for name in ("A", "B", "C", "D", "E"):
            person = make_person(school_caseworker, family_name=name, date_of_birth=years_ago(14))
            case = case_ready_for_delivery(
                school_caseworker, coordinator, panel_chair, person=person
            )
            allocation_create(
                actor=school_caseworker, case=case, intervention=intervention, request="x"
            )
        client.force_login(provider_keyworker)
        # ...plus the one INSERT that writes the request's audit events, and the session
        # save that renews its idle timeout (two queries), and the second-factor device, and
        # whether they own panel actions (the navigation's "My actions"), and the header's
        # unread notifications count.
        with django_assert_max_num_queries(12):
            page = client.get(reverse("interventions:caseload"))
        assert page.content.count(b"/allocations/") == 5


@pytest.mark.django_db
class TestAllocatingFromTheCasePage:
    def test_the_lead_proposes_and_offers(self, client, case, mentoring, school_caseworker):
        client.force_login(school_caseworker)
        response = client.post(
            reverse("interventions:allocate", args=[case.pk]),
            {"intervention": mentoring.pk, "request": "Mentoring twice a week"},
        )
        allocation = Allocation.objects.get()
        assert response["Location"] == reverse("interventions:allocation", args=[allocation.pk])
        offered = client.post(reverse("interventions:action", args=[allocation.pk, "offer"]))
        assert offered.status_code == 302
        allocation.refresh_from_db()
        assert allocation.status == "offered"

    def test_an_ineligible_intervention_is_explained_on_the_case_page(
        self, client, case, charity, school_caseworker
    ):
        adults = make_intervention(
            charity, name="Adults", pathways=["adult_18_35"], min_age=18, max_age=35
        )
        client.force_login(school_caseworker)
        response = client.post(
            reverse("interventions:allocate", args=[case.pk]),
            {"intervention": adults.pk, "request": "x"},
        )
        assert response.status_code == 400
        assert b"Not offered on the Prevention and early intervention" in response.content

    def test_the_catalogue_shows_places_and_waiting(self, client, active_allocation, ig_officer):
        client.force_login(ig_officer)
        page = client.get(reverse("interventions:catalogue")).content.decode()
        assert "1 of 2" in page
