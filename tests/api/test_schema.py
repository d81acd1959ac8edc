"""The OpenAPI description is complete, valid, and generated without a single warning."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    target = tmp_path / "schema.yml"
    err = StringIO()

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target), stderr=err)

    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/auth/token/",
        "/api/v1/me/",
        "/api/v1/people/",
        "/api/v1/people/{id}/",
        "/api/v1/people/match/",
        "/api/v1/organisations/",
        "/api/v1/memberships/",
    } <= set(schema["paths"])
    assert "Warning" not in err.getvalue()


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_the_case_timeline_is_advertised_with_a_cursor_not_page_numbers(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target))
    timeline = yaml.safe_load(target.read_text())["paths"]["/api/v1/cases/{id}/timeline/"]["get"]
    assert {p["name"] for p in timeline["parameters"]} == {"id", "cursor", "page_size"}
    body = timeline["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/PaginatedTimelineEntryList"}
