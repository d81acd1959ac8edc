"""Schemathesis fuzzes every API operation against the OpenAPI schema: no answer may be a
server error, and every answer must match the schema.

Each operation is fuzzed twice over. Its coverage phase (every documented boundary and every
kind of wrong value of every field: hundreds of requests an operation) runs once, as a user
who holds each of the main roles, so the body gets past the permission check to the
validation it is aimed at. As each single role it gets a few generated examples: a refused
role is refused before its body is read (the authorization matrix holds every write to
that), so the coverage phase as each refused role asked the same question hundreds of
times and took most of the suite's time.

CI runs a few examples per operation and a short stateful phase over the schema's links;
``FUZZ_EXAMPLES=200 .venv/bin/pytest tests/api/test_fuzz_api.py`` runs the long version
(add ``FUZZ_STATEFUL_STEPS=10`` for longer chains).
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.services import api_token_issue
from config.wsgi import application
from demo import builders
from partners.roles import Role
from tests.factories import case_ready_for_delivery, make_member, make_organisation
from tests.support import built_once_per_module

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
SCHEMA_PATH = "/api/schema/?format=json"
# As every role at once: the explicit examples, the coverage phase and the generated ones.
schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, application)
# As each role: generated examples only.
schema_per_role = schemathesis.openapi.from_wsgi(
    SCHEMA_PATH,
    application,
    config=SchemathesisConfig.from_dict(
        {"phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}}}
    ),
)
EVERY_ROLE = "every role"
# status_code_conformance: every status the fuzzing sees must be one the schema documents.
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    status_code_conformance,
]


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Called as a real WSGI app, Django would close the test's database connection after
    each request; its own test client switches that off in the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def tokens(django_db_setup, django_db_blocker):
    """A signed-in token for each main role, in a partnership with one case in it: built once
    per module and test process, and met by every test as built (``built_once_per_module``)."""
    with built_once_per_module(django_db_blocker, _partnership_with_tokens) as built:
        yield built


def _partnership_with_tokens():
    school = make_organisation(name="Fuzz school", organisation_type="school")
    council = make_organisation(name="Fuzz council", organisation_type="local_authority")
    charity = make_organisation(name="Fuzz charity", organisation_type="voluntary")
    users = {
        Role.REFERRER: make_member(school, Role.REFERRER),
        Role.COORDINATOR: make_member(council, Role.COORDINATOR),
        Role.PANEL_CHAIR: make_member(council, Role.PANEL_CHAIR),
        Role.PROVIDER: make_member(charity, Role.PROVIDER),
        Role.IG_OFFICER: make_member(council, Role.IG_OFFICER),
    }
    # Each main role, where each of the others holds it, so that every operation's
    # coverage phase reaches the validation of its body.
    users[EVERY_ROLE] = make_member(school, Role.REFERRER)
    for organisation, role in (
        (council, Role.COORDINATOR),
        (charity, Role.PROVIDER),
        (council, Role.IG_OFFICER),
    ):
        builders.make_member(user=users[EVERY_ROLE], organisation=organisation, role=role)
    case_ready_for_delivery(users[Role.REFERRER], users[Role.COORDINATOR], users[Role.PANEL_CHAIR])
    return {role: api_token_issue(user=user)[1] for role, user in users.items()}


FUZZING = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZING
@pytest.mark.django_db
def test_every_field_s_boundaries_and_wrong_values_as_every_role(case, tokens):
    case.call_and_validate(
        headers={"Authorization": f"Token {tokens[EVERY_ROLE]}"},
        checks=CHECKS,
    )


@pytest.mark.parametrize("role", [Role.REFERRER, Role.COORDINATOR, Role.PROVIDER, Role.IG_OFFICER])
@schema_per_role.parametrize()
@FUZZING
@pytest.mark.django_db
def test_no_server_errors_and_every_answer_matches_the_schema(case, role, tokens):
    case.call_and_validate(
        headers={"Authorization": f"Token {tokens[role]}"},
        checks=CHECKS,
    )


STATEFUL_STEPS = int(os.environ.get("FUZZ_STATEFUL_STEPS", "4"))


@pytest.mark.django_db
def test_sequences_that_follow_the_schema_links(tokens):
    """The stateful phase: Schemathesis chains operations along the schema's OpenAPI links
    (create a person, then read, change, break the glass on it...), as a referrer, who can
    make what the links lead from. Every check runs on every step."""
    token = tokens[Role.REFERRER]

    class Referrer(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Token {token}"}}

    Referrer.run(
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
