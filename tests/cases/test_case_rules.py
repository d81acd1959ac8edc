"""Rules that used to be written twice and had drifted apart: each is now one rule, asked by
the service, the web page and the API alike. Each test here failed on the old code."""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from cases.models import CaseNote, PanelDecision
from interventions.models import Allocation
from tests.factories import case_ready_for_delivery, make_intervention, opened_case

CASES = "/api/v1/cases/"
ALLOCATIONS = "/api/v1/allocations/"
MISSING_NOTE = 987654


@pytest.mark.django_db
class TestACorrectionOfAMissingNote:
    """It was a 400 in the API but silently became a plain note on the web page."""

    @pytest.fixture
    def case(self, school_caseworker, coordinator, panel_chair):
        return opened_case(school_caseworker, coordinator, panel_chair)

    def test_the_api_refuses_it_on_the_field(self, api, case, school_caseworker):
        response = api(school_caseworker).post(
            f"{CASES}{case.pk}/notes/",
            {"text": "Correction: seen on Wednesday", "corrects": MISSING_NOTE},
            format="json",
        )

        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "corrects"
        assert not CaseNote.objects.filter(case=case).exists()

    def test_the_web_page_refuses_it_too(self, client, case, school_caseworker):
        client.force_login(school_caseworker)

        response = client.post(
            reverse("cases:case-note", args=[case.pk]),
            {"text": "Correction: seen on Wednesday", "corrects": MISSING_NOTE},
        )

        assert response.status_code == 400
        assert "No such note on this case" in response.content.decode()
        assert not CaseNote.objects.filter(case=case).exists()

    def test_a_note_of_another_case_is_missing_from_this_one(
        self, client, case, school_caseworker, coordinator, panel_chair
    ):
        from cases.services import note_add
        from tests.factories import make_person, years_ago

        person = make_person(school_caseworker, family_name="Other", date_of_birth=years_ago(15))
        other = opened_case(school_caseworker, coordinator, panel_chair, person=person)
        elsewhere = note_add(actor=school_caseworker, case=other, text="Elsewhere")
        client.force_login(school_caseworker)

        response = client.post(
            reverse("cases:case-note", args=[case.pk]),
            {"text": "Correction", "corrects": elsewhere.pk},
        )

        assert response.status_code == 400
        assert not CaseNote.objects.filter(case=case).exists()


@pytest.mark.django_db
class TestAllocationCreation:
    """The API skipped its permission check when ``decision`` was in the body (so a refused
    user got the body's validation errors), and read the case twice (two access events)."""

    @pytest.fixture
    def case(self, school_caseworker, coordinator, panel_chair):
        return case_ready_for_delivery(school_caseworker, coordinator, panel_chair)

    @pytest.fixture
    def mentoring(self, charity):
        return make_intervention(charity)

    def test_naming_a_decision_does_not_skip_the_rule(self, api, case, mentoring, panel_member):
        decision = PanelDecision.objects.get(case=case)

        response = api(panel_member).post(
            ALLOCATIONS,
            {"case": str(case.pk), "decision": decision.pk, "request": ""},
            format="json",
        )

        assert response.status_code == 403
        assert Allocation.objects.count() == 0

    def test_the_case_is_read_once(self, api, case, mentoring, school_caseworker):
        views = AuditEvent.objects.filter(object_type="case", object_id=str(case.pk), action="view")
        before = views.count()

        response = api(school_caseworker).post(
            ALLOCATIONS,
            {"case": str(case.pk), "intervention": mentoring.pk, "request": "Mentor"},
            format="json",
        )

        assert response.status_code == 201, response.json()
        assert views.count() - before == 1
