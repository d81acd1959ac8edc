"""The annual funding recorded on a catalogue entry: optional, never negative, carried by the
API, the catalogue page and the catalogue's export and import (the interventions figures
divide it by completions)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from interventions.models import Intervention
from interventions.services import intervention_update
from tests.factories import make_intervention

INTERVENTIONS = "/api/v1/interventions/"
BODY = {
    "name": "Hospital navigators",
    "description": "Youth workers in the emergency department.",
    "intervention_type": "hospital_navigator",
    "pathways": ["u18_prevention"],
    "min_age": 11,
    "max_age": 25,
    "capacity": 12,
    "funding_stream": "Violence Reduction grant",
}


@pytest.mark.django_db
class TestAnnualFunding:
    def test_the_api_stores_an_amount_and_leaves_it_optional(self, api, coordinator, charity):
        client = api(coordinator)
        funded = client.post(
            INTERVENTIONS,
            {**BODY, "provider": charity.pk, "annual_funding": "48000.50"},
            format="json",
        )
        unfunded = client.post(
            INTERVENTIONS, {**BODY, "name": "Other", "provider": charity.pk}, format="json"
        )
        assert funded.status_code == 201, funded.json()
        assert funded.json()["annual_funding"] == "48000.50"
        assert unfunded.json()["annual_funding"] is None
        assert Intervention.objects.get(name="Hospital navigators").annual_funding == Decimal(
            "48000.50"
        )

    @pytest.mark.parametrize("method", ["post", "patch"])
    def test_a_negative_amount_is_a_400_naming_the_field(self, api, coordinator, charity, method):
        client = api(coordinator)
        if method == "post":
            response = client.post(
                INTERVENTIONS,
                {**BODY, "provider": charity.pk, "annual_funding": "-1"},
                format="json",
            )
            assert Intervention.objects.count() == 0
        else:
            entry = make_intervention(charity, annual_funding=Decimal(100))
            response = client.patch(
                f"{INTERVENTIONS}{entry.pk}/",
                {"annual_funding": "-0.01", "version": entry.version},
                format="json",
            )
            entry.refresh_from_db()
            assert entry.annual_funding == Decimal(100)
        assert response.status_code == 400
        assert [e["attr"] for e in response.json()["errors"]] == ["annual_funding"]

    def test_the_service_refuses_a_negative_amount_whoever_calls_it(self, coordinator, charity):
        from django.core.exceptions import ValidationError

        entry = make_intervention(charity)
        with pytest.raises(ValidationError) as refused:
            intervention_update(
                actor=coordinator,
                intervention=entry,
                expected_version=entry.version,
                annual_funding=Decimal("-5"),
            )
        assert list(refused.value.message_dict) == ["annual_funding"]
        entry.refresh_from_db()
        assert entry.annual_funding is None

    def test_the_catalogue_page_shows_the_amount(self, client, charity, ig_officer):
        make_intervention(charity, annual_funding=Decimal("48000"))
        client.force_login(ig_officer)
        page = client.get(reverse("interventions:catalogue")).content.decode()
        assert "£48,000 a year" in page

    def test_export_and_import_carry_the_amount(self, api, coordinator, charity):
        make_intervention(charity, annual_funding=Decimal("1234.50"))
        client = api(coordinator)
        exported = client.get(f"{INTERVENTIONS}export/").json()
        assert exported["organizations"][0]["services"][0]["funding"][0]["annual_amount"] == (
            "1234.50"
        )
        Intervention.objects.all().delete()
        assert client.post(f"{INTERVENTIONS}import/", exported, format="json").status_code == 200
        assert Intervention.objects.get().annual_funding == Decimal("1234.50")

    def test_an_import_with_a_negative_amount_names_the_field(self, api, coordinator, charity):
        make_intervention(charity)
        client = api(coordinator)
        exported = client.get(f"{INTERVENTIONS}export/").json()
        exported["organizations"][0]["services"][0]["funding"][0]["annual_amount"] = "-3"
        Intervention.objects.all().delete()
        response = client.post(f"{INTERVENTIONS}import/", exported, format="json")
        assert response.status_code == 400
        assert [e["attr"] for e in response.json()["errors"]] == [
            "organizations.0.services.0.annual_funding"
        ]
        assert Intervention.objects.count() == 0


@pytest.mark.django_db
class TestFundingPage:
    def test_a_coordinator_changes_the_funding_on_the_web_form(self, client, coordinator, charity):
        entry = make_intervention(charity)
        client.force_login(coordinator)
        catalogue = client.get(reverse("interventions:catalogue")).content.decode()
        url = reverse("interventions:funding", args=[entry.pk])
        assert url in catalogue
        response = client.post(
            url, {"funding_stream": "PCC grant", "annual_funding": "36000", "version": "1"}
        )
        assert response.status_code == 302
        entry.refresh_from_db()
        assert (entry.funding_stream, entry.annual_funding, entry.version) == (
            "PCC grant",
            Decimal("36000"),
            2,
        )
        # Empty is "not recorded", not zero.
        client.post(url, {"funding_stream": "PCC grant", "annual_funding": "", "version": "2"})
        entry.refresh_from_db()
        assert entry.annual_funding is None

    def test_a_negative_amount_is_a_400_on_the_field_and_nothing_changes(
        self, client, coordinator, charity
    ):
        entry = make_intervention(charity, annual_funding=Decimal(500))
        client.force_login(coordinator)
        response = client.post(
            reverse("interventions:funding", args=[entry.pk]),
            {"funding_stream": "x", "annual_funding": "-10", "version": "1"},
        )
        assert response.status_code == 400
        page = response.content.decode()
        assert "govuk-error-summary" in page
        assert 'href="#id_annual_funding"' in page
        entry.refresh_from_db()
        assert (entry.funding_stream, entry.annual_funding) == (
            "Serious Violence Duty grant",
            Decimal(500),
        )

    def test_a_stale_version_is_a_409(self, client, coordinator, charity):
        entry = make_intervention(charity)
        client.force_login(coordinator)
        response = client.post(
            reverse("interventions:funding", args=[entry.pk]),
            {"funding_stream": "x", "annual_funding": "10", "version": "7"},
        )
        assert response.status_code == 409

    def test_only_coordinators_see_the_link_or_the_form(
        self, client, provider_keyworker, ig_officer, charity
    ):
        entry = make_intervention(charity)
        for user in (provider_keyworker, ig_officer):
            client.force_login(user)
            catalogue = client.get(reverse("interventions:catalogue")).content.decode()
            assert "Change funding" not in catalogue
            url = reverse("interventions:funding", args=[entry.pk])
            assert client.get(url).status_code == 403
            assert client.post(url, {"annual_funding": "1", "version": "1"}).status_code == 403
        entry.refresh_from_db()
        assert entry.annual_funding is None
