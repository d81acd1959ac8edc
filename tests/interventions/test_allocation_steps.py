"""The allocation page lists contacts first and links to each step the viewer can take;
each step has its own page, the final ones a GOV.UK "are you sure" page with a reason where
the service takes one; recording a contact or an outcome and allocating have pages too."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions.models import Allocation, Contact
from interventions.services import allocation_create, allocation_offer, allocation_transition
from tests.factories import case_ready_for_delivery, make_intervention, make_person, years_ago
from tests.support import date_parts


@pytest.fixture
def case(school_caseworker, coordinator, panel_chair):
    return case_ready_for_delivery(school_caseworker, coordinator, panel_chair)


@pytest.fixture
def active(case, charity, school_caseworker, provider_keyworker):
    allocation = allocation_create(
        actor=school_caseworker,
        case=case,
        intervention=make_intervention(charity),
        request="Weekly mentoring",
    )
    allocation_offer(actor=school_caseworker, allocation=allocation)
    allocation_transition(actor=provider_keyworker, allocation=allocation, action="accept")
    return allocation_transition(actor=provider_keyworker, allocation=allocation, action="start")


def step(allocation, name):
    return reverse("interventions:action", args=[allocation.pk, name])


@pytest.mark.django_db
class TestTheAllocationPage:
    def test_contacts_come_first_then_links_to_the_keyworkers_steps(
        self, client, active, provider_keyworker
    ):
        Contact.objects.create(
            allocation=active,
            contact_date=timezone.localdate(),
            contact_type="phone",
            outcome="attended",
            recorded_by=provider_keyworker,
        )
        client.force_login(provider_keyworker)
        page = client.get(reverse("interventions:allocation", args=[active.pk])).content.decode()

        assert page.index("Contacts") < page.index("What you can do")
        assert timezone.localdate().strftime("%-d %B %Y") in page
        for name in ("complete", "disengage", "withdraw"):
            assert step(active, name) in page
        assert step(active, "cancel") not in page  # the lead's, not the keyworker's
        assert reverse("interventions:contact", args=[active.pk]) in page
        assert "<form" not in page.split('id="main-content"')[1]


@pytest.mark.django_db
class TestSteps:
    def test_completing_asks_are_you_sure_then_completes(self, client, active, provider_keyworker):
        client.force_login(provider_keyworker)
        page = client.get(step(active, "complete")).content.decode()
        assert "Are you sure Mentoring for young people is complete?" in page
        assert "Yes, complete the allocation" in page

        response = client.post(step(active, "complete"))
        assert response["Location"] == reverse("interventions:allocation", args=[active.pk])
        active.refresh_from_db()
        assert active.status == "completed"

    def test_disengaging_needs_a_reason_and_without_one_nothing_changes(
        self, client, active, provider_keyworker
    ):
        client.force_login(provider_keyworker)
        response = client.post(step(active, "disengage"), {"reason": ""})
        assert response.status_code == 400
        assert "What happened?" in response.content.decode()
        active.refresh_from_db()
        assert active.status == "active"

        response = client.post(step(active, "disengage"), {"reason": "Stopped coming"})
        assert response.status_code == 302
        active.refresh_from_db()
        assert (active.status, active.status_reason) == ("disengaged", "Stopped coming")

    def test_withdrawing_takes_a_reason(self, client, active, school_caseworker):
        client.force_login(school_caseworker)
        assert client.get(step(active, "withdraw")).status_code == 200
        response = client.post(step(active, "withdraw"), {"reason": "Moved out of the area"})
        assert response.status_code == 302
        active.refresh_from_db()
        assert active.status == "withdrawn"

    def test_the_lead_may_not_complete(self, client, active, school_caseworker):
        client.force_login(school_caseworker)
        assert client.get(step(active, "complete")).status_code == 403
        assert client.post(step(active, "complete")).status_code == 403
        active.refresh_from_db()
        assert active.status == "active"

    def test_a_step_the_status_does_not_allow_is_explained(
        self, client, active, provider_keyworker
    ):
        client.force_login(provider_keyworker)
        response = client.post(step(active, "accept"))
        assert response.status_code == 409
        assert "Cannot accept an allocation that is active" in response.content.decode()

    def test_an_unknown_step_does_not_exist(self, client, active, provider_keyworker):
        client.force_login(provider_keyworker)
        assert client.get(step(active, "explode")).status_code == 404


@pytest.mark.django_db
class TestContactAndOutcomePages:
    def test_the_keyworker_records_a_contact_on_its_page(self, client, active, provider_keyworker):
        client.force_login(provider_keyworker)
        url = reverse("interventions:contact", args=[active.pk])
        assert client.get(url).status_code == 200
        response = client.post(
            url,
            {
                "contact_type": "face_to_face",
                "outcome": "attended",
                **date_parts("contact_date", timezone.localdate()),
            },
        )
        assert response.status_code == 302
        assert active.contacts.get().contact_type == "face_to_face"

    def test_a_contact_without_its_type_names_the_question(
        self, client, active, provider_keyworker
    ):
        client.force_login(provider_keyworker)
        response = client.post(
            reverse("interventions:contact", args=[active.pk]),
            {"outcome": "attended", **date_parts("contact_date", timezone.localdate())},
        )
        assert response.status_code == 400
        assert "Select type" in response.content.decode()
        assert not active.contacts.exists()

    def test_the_lead_cannot_record_a_contact(self, client, active, school_caseworker):
        client.force_login(school_caseworker)
        assert client.get(reverse("interventions:contact", args=[active.pk])).status_code == 403


@pytest.mark.django_db
class TestAllocatingPage:
    def test_the_lead_allocates_from_its_own_page(self, client, case, charity, school_caseworker):
        mentoring = make_intervention(charity)
        client.force_login(school_caseworker)
        case_page = client.get(reverse("cases:case", args=[case.pk])).content.decode()
        url = reverse("interventions:allocate", args=[case.pk])
        assert url in case_page
        assert client.get(url).status_code == 200
        response = client.post(url, {"intervention": mentoring.pk, "request": "Mentoring"})
        allocation = Allocation.objects.get()
        assert response["Location"] == reverse("interventions:allocation", args=[allocation.pk])

    def test_without_a_request_nothing_is_allocated(self, client, case, charity, school_caseworker):
        client.force_login(school_caseworker)
        response = client.post(
            reverse("interventions:allocate", args=[case.pk]),
            {"intervention": make_intervention(charity).pk},
        )
        assert response.status_code == 400
        assert not Allocation.objects.exists()


@pytest.mark.django_db
def test_the_caseload_costs_the_same_whatever_its_size(
    client, school_caseworker, coordinator, panel_chair, charity, provider_keyworker
):
    intervention = make_intervention(charity, capacity=20)

    def allocate(n):
        person = make_person(school_caseworker, family_name=f"F{n}", date_of_birth=years_ago(14))
        case = case_ready_for_delivery(school_caseworker, coordinator, panel_chair, person=person)
        allocation_create(
            actor=school_caseworker, case=case, intervention=intervention, request="x"
        )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("interventions:caseload")).status_code == 200
        return len(captured)

    allocate(0)
    client.force_login(provider_keyworker)
    one = queries()
    for n in range(1, 10):
        allocate(n)
    assert queries() == one


@pytest.mark.django_db
def test_the_catalogue_costs_the_same_for_one_intervention_or_ten(client, coordinator, charity):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("interventions:catalogue")).status_code == 200
        return len(captured)

    client.force_login(coordinator)
    make_intervention(charity, name="Mentoring 0")
    one = queries()
    for n in range(1, 10):
        make_intervention(charity, name=f"Mentoring {n}")
    assert queries() == one
