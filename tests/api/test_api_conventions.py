"""What every API endpoint shares: paging limits, throttling, and one error format."""

import pytest
from rest_framework.throttling import UserRateThrottle

from tests.factories import make_organisation


@pytest.mark.django_db
def test_page_size_is_capped(api, school_caseworker):
    for _ in range(105):
        make_organisation()

    response = api(school_caseworker).get("/api/v1/organisations/", {"page_size": 1000})

    assert response.status_code == 200
    assert response.json()["count"] == 106
    assert len(response.json()["results"]) == 100


@pytest.mark.django_db
def test_a_page_past_the_end_is_a_404_in_the_error_format(api, school_caseworker):
    response = api(school_caseworker).get("/api/v1/organisations/", {"page": 99})
    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


@pytest.mark.django_db
def test_each_user_is_throttled_on_their_own(api, school_caseworker, police_officer, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(
        UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": "3/minute"}
    )
    caseworker = api(school_caseworker)

    answers = [caseworker.get("/api/v1/me/").status_code for _ in range(4)]
    officer = api(police_officer).get("/api/v1/me/")

    assert answers == [200, 200, 200, 429]
    assert officer.status_code == 200
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "abc"])
def test_out_of_range_ids_are_400_not_500(api, school_caseworker, value):
    response = api(school_caseworker).post(
        "/api/v1/people/",
        {
            "given_name": "A",
            "family_name": "B",
            "date_of_birth": "2010-01-01",
            "organisation": value,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "organisation"


@pytest.mark.django_db
def test_malformed_json_is_a_400(api, school_caseworker):
    response = api(school_caseworker).generic(
        "POST", "/api/v1/people/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


@pytest.mark.django_db
def test_a_list_where_an_object_is_expected_is_a_400_not_a_500(api, school_caseworker):
    # Found by Schemathesis: the allocation endpoint once read .get() from a JSON list.
    response = api(school_caseworker).post("/api/v1/allocations/", [None, None], format="json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_an_unknown_api_address_answers_in_json(api, school_caseworker):
    response = api(school_caseworker).get("/api/v1/cases/not-a-case/")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_every_string_the_api_accepts_has_a_maximum_length():
    """Read from the OpenAPI schema's request components, so a new endpoint is covered too."""
    from drf_spectacular.settings import spectacular_settings

    generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
    schema = generator.get_schema(request=None, public=True)
    unbounded = []
    for name, component in schema["components"]["schemas"].items():
        if not name.endswith("Request"):
            continue
        for field, spec in component.get("properties", {}).items():
            free_text = spec.get("type") == "string" and "enum" not in spec and "format" not in spec
            if free_text and "maxLength" not in spec:
                unbounded.append(f"{name}.{field}")
    assert unbounded == []
