"""The OpenAPI description is complete, valid, and generated without a single warning."""

import json
import re
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from api.schema_view import SchemaView
from tests.support import api_schema


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


def test_the_schema_s_paths_are_clean_and_without_a_trailing_slash():
    """Routes also answer with a trailing slash (api.routing); the schema names each once,
    as written by a client, not as the router's regular expression."""
    paths = list(api_schema()["paths"])

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


@pytest.mark.django_db
def test_the_served_schema_is_the_same_whoever_asks_first(api, ig_officer, school_caseworker):
    """The view generates the description once per process (api.schema.SchemaView): what an
    IG officer, a caseworker and someone not signed in read is what is generated for no
    one in particular."""
    SchemaView._generated.clear()
    SchemaView._written.clear()
    served = [
        api(ig_officer).get("/api/schema/?format=json").json(),
        api(school_caseworker).get("/api/schema/?format=json").json(),
        api().get("/api/schema/?format=json").json(),
    ]
    expected = json.loads(json.dumps(api_schema()))
    assert served == [expected, expected, expected]
    # Written out once per format: YAML (the default) as the JSON says, the same each time.
    as_yaml = [api(ig_officer).get("/api/schema/"), api().get("/api/schema/")]
    assert as_yaml[0]["Content-Type"].startswith("application/vnd.oai.openapi")
    assert as_yaml[0].content == as_yaml[1].content
    assert (
        json.loads(json.dumps(yaml.load(as_yaml[0].content, Loader=yaml.CSafeLoader))) == expected
    )
    assert "/api/v1/audit/events" in served[0]["paths"]


def test_the_case_timeline_is_advertised_with_a_cursor_not_page_numbers():
    timeline = api_schema()["paths"]["/api/v1/cases/{id}/timeline"]["get"]
    assert {p["name"] for p in timeline["parameters"]} == {"id", "cursor", "page_size"}
    body = timeline["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/PaginatedTimelineEntryList"}
