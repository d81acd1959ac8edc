"""A real client works: one generated from the schema by a pinned openapi-python-client
imports in full and drives a journey against a live server, and Spectral's ``spectral:oas``
ruleset finds nothing in the schema (no error, no warning)."""

import importlib
import json
import pkgutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from partners.roles import Role
from tests.factories import make_member, make_organisation
from tests.support import PASSWORD

PACKAGE = "svp_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
SPECTRAL = Path(settings.BASE_DIR) / "node_modules" / ".bin" / "spectral"


@pytest.fixture(scope="module")
def schema_file(tmp_path_factory):
    target = tmp_path_factory.mktemp("schema") / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(target))
    return target


@pytest.fixture(scope="module")
def client_package(schema_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("client")
    config = out / "config.yml"
    config.write_text("post_hooks: []\n")  # no formatter run: the code is imported, not read
    subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema_file),
            "--meta",
            "none",
            "--output-path",
            str(out / PACKAGE),
            "--config",
            str(config),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_every_module_of_the_generated_client_imports(client_package):
    failures, imported = {}, 0
    for module in pkgutil.walk_packages(client_package.__path__, f"{PACKAGE}."):
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # every failure is reported, not only the first
            failures[module.name] = repr(exc)
        else:
            imported += 1
    assert failures == {}
    assert imported > 300  # one module per operation and per model


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_drives_a_referral_journey(client_package, live_server):
    from svp_client import AuthenticatedClient, Client
    from svp_client.api.auth import auth_token_create
    from svp_client.api.memberships import memberships_list
    from svp_client.api.people import people_create
    from svp_client.api.referrals import (
        referrals_consents_create,
        referrals_create,
        referrals_submit_create,
    )
    from svp_client.models import (
        ConsentRecordRequest,
        ErrorResponse403,
        PersonCreateRequest,
        ReferralCreateRequest,
        TokenRequestRequest,
    )

    school = make_organisation(name="Riverside Academy")
    caseworker = make_member(school, Role.REFERRER, username="riverside-caseworker")
    today = timezone.localdate()

    signed_in = auth_token_create.sync_detailed(
        client=Client(base_url=live_server.url),
        body=TokenRequestRequest(username=caseworker.username, password=PASSWORD),
    )
    assert signed_in.status_code == 201
    api = AuthenticatedClient(
        base_url=live_server.url, token=signed_in.parsed.token, prefix="Token"
    )

    person = people_create.sync_detailed(
        client=api,
        body=PersonCreateRequest.from_dict(
            {"given_name": "Casey", "family_name": "Morgan", "date_of_birth": "2010-05-04"}
        ),
    )
    assert person.status_code == 201, person.content
    referral = referrals_create.sync_detailed(
        client=api,
        body=ReferralCreateRequest.from_dict(
            {
                "person": str(person.parsed.id),
                "pathway": "u18_prevention",
                "area": "durham",
                "incident_date": today.isoformat(),
                "narrative": "Seen carrying a knife near the school gates.",
                "risk_factors": ["knife_carrying"],
                "risk_level": "medium",
            }
        ),
    )
    assert referral.status_code == 201, referral.content
    consent = referrals_consents_create.sync_detailed(
        referral_id=referral.parsed.id,
        client=api,
        body=ConsentRecordRequest.from_dict(
            {
                "purposes": ["assessment", "panel_discussion", "information_sharing"],
                "given_by": "parent_or_guardian",
                "decision": "given",
                "decided_on": today.isoformat(),
                "method": "written",
                "giver_name": "Sam Morgan",
            }
        ),
    )
    assert consent.status_code == 201, consent.content

    key = str(uuid.uuid4())
    submitted = referrals_submit_create.sync_detailed(
        id=str(referral.parsed.id), client=api, idempotency_key=key
    )
    replayed = referrals_submit_create.sync_detailed(
        id=str(referral.parsed.id), client=api, idempotency_key=key
    )
    assert submitted.status_code == 200, submitted.content
    assert submitted.parsed.status == "submitted"
    assert replayed.status_code == 200
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert json.loads(replayed.content) == json.loads(submitted.content)

    # Memberships are administrators' business: the refusal parses as the documented error.
    refused = memberships_list.sync_detailed(client=api)
    assert refused.status_code == 403
    assert isinstance(refused.parsed, ErrorResponse403)
    assert refused.parsed.errors[0].code == "permission_denied"


@pytest.mark.skipif(not SPECTRAL.exists(), reason="npm install has not been run")
def test_spectral_finds_no_error_and_no_warning_in_the_schema(schema_file):
    result = subprocess.run(
        [
            str(SPECTRAL),
            "lint",
            str(schema_file),
            "--ruleset",
            str(Path(settings.BASE_DIR) / ".spectral.yaml"),
            "--format",
            "json",
            "--quiet",
            "--fail-severity",
            "hint",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    findings = json.loads(result.stdout or "[]")
    # Severity 0 is an error, 1 a warning.
    serious = [
        f"{f['code']} at {'.'.join(map(str, f['path']))}" for f in findings if f["severity"] < 2
    ]
    assert serious == []
