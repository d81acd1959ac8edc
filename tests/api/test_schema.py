"""The OpenAPI description is complete, valid, and generated without a single warning."""

import re
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
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/people",
        "/api/v1/people/{id}",
        "/api/v1/people/match",
        "/api/v1/organisations",
        "/api/v1/memberships",
    } <= set(schema["paths"])
    assert "Warning" not in err.getvalue()


def test_the_schema_s_paths_are_clean_and_without_a_trailing_slash(tmp_path):
    """Routes also answer with a trailing slash (api.routing); the schema names each once,
    as written by a client, not as the router's regular expression."""
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target))
    paths = list(yaml.safe_load(target.read_text())["paths"])

    assert len(paths) > 90
    assert [path for path in paths if path.endswith("/")] == []
    assert [path for path in paths if re.search(r"[\\^$?*+()\[\]<>]|//", path)] == []
    assert all(path.startswith("/api/v1/") for path in paths)


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_the_case_timeline_is_advertised_with_a_cursor_not_page_numbers(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(target))
    timeline = yaml.safe_load(target.read_text())["paths"]["/api/v1/cases/{id}/timeline"]["get"]
    assert {p["name"] for p in timeline["parameters"]} == {"id", "cursor", "page_size"}
    body = timeline["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/PaginatedTimelineEntryList"}
