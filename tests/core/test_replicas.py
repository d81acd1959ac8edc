"""The read replica's router (core.replicas), against a second connection alias: the test
settings' ``replica``, a mirror of the test database on a connection of its own, so each
query's alias shows where it went. The tests commit (``transaction=True``): a read inside a
transaction never goes to the replica, and the mirror cannot see uncommitted rows anyway."""

import pytest
from django.conf import settings
from django.db import connections, router, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from api.services import api_token_issue
from core.replicas import PIN_COOKIE, reading_from_replica, watching_writes
from demo import scale
from figures import store
from figures.models import StaleSubject
from partners.models import Organisation, User
from referrals.models import Person, Referral

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])

WITH_REPLICA = override_settings(
    READ_REPLICA_ALIAS="replica",
    DATABASE_ROUTERS=["core.replicas.ReplicaRouter"],
    MIDDLEWARE=[
        settings.MIDDLEWARE[0],
        "core.replicas.ReadYourWritesMiddleware",
        *settings.MIDDLEWARE[1:],
    ],
)


def queries_on(alias, captured):
    return [q["sql"] for q in captured[alias].captured_queries]


class Capture:
    """The queries each alias ran inside the block."""

    def __enter__(self):
        self.contexts = {a: CaptureQueriesContext(connections[a]) for a in ("default", "replica")}
        for context in self.contexts.values():
            context.__enter__()
        return self.contexts

    def __exit__(self, *exc):
        for context in self.contexts.values():
            context.__exit__(*exc)


@WITH_REPLICA
def test_reads_go_to_the_replica_only_when_asked_in_a_request_that_has_not_written():
    with Capture() as captured, reading_from_replica():
        Referral.objects.count()  # outside a request: nothing watches for writes
    assert not queries_on("replica", captured)

    with watching_writes():
        with Capture() as captured:
            Referral.objects.count()  # not asked for
        assert not queries_on("replica", captured)

        with Capture() as captured, reading_from_replica():
            Referral.objects.count()
            list(User.objects.all())  # who may see what: always the primary
        assert len(queries_on("replica", captured)) == 1
        assert "referrals_referral" in queries_on("replica", captured)[0]
        assert any("partners_user" in sql for sql in queries_on("default", captured))

        with Capture() as captured, reading_from_replica(), transaction.atomic():
            Referral.objects.count()  # in a transaction: it may be about to write
        assert not queries_on("replica", captured)

        # Once the request writes, it reads its own writes: the primary from then on.
        Organisation.objects.filter(code="no-such-organisation").update(name="Renamed")
        with Capture() as captured, reading_from_replica():
            Referral.objects.count()
        assert not queries_on("replica", captured)
        assert queries_on("default", captured)


@WITH_REPLICA
def test_writes_and_migrations_are_the_primarys():
    assert router.db_for_write(Referral) == "default"
    assert router.allow_migrate("default", "referrals")
    assert not router.allow_migrate("replica", "referrals")


def test_without_a_replica_everything_reads_the_primary():
    with watching_writes(), reading_from_replica(), Capture() as captured:
        Referral.objects.count()
    assert not queries_on("replica", captured)
    assert "replica" not in (settings.READ_REPLICA_ALIAS or "")


@pytest.fixture
def analyst_api():
    scale.generate_partnership(people=40, months=6, seed=3, batch=40)
    store.rebuild()
    analyst = User.objects.get(username=scale._username("analyst"))
    _, raw = api_token_issue(user=analyst)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def figures_queries(sqls):
    return [sql for sql in sqls if '"figures_' in sql and not sql.startswith("INSERT")]


@WITH_REPLICA
def test_a_figure_set_is_read_from_the_replica_until_its_reader_writes(analyst_api):
    with Capture() as captured:
        answer = analyst_api.get("/api/v1/figures/referrals/")
    assert answer.status_code in (200, 400)
    # The tallies came from the replica; the token, the memberships and the audit event
    # stayed on the primary.
    assert figures_queries(queries_on("replica", captured))
    on_primary = queries_on("default", captured)
    assert any("partners_membership" in sql for sql in on_primary)
    assert any(sql.startswith('INSERT INTO "audit_auditevent"') for sql in on_primary)
    assert not any("partners_" in sql for sql in queries_on("replica", captured))
    assert PIN_COOKIE not in answer.cookies

    # A change waiting to be folded in: the read folds it in (a write), so it reads its own
    # fold from the primary, and the client is pinned to the primary for a few seconds.
    person = Person.objects.first()
    StaleSubject.objects.create(person_id=person.pk)
    with Capture() as captured:
        folded = analyst_api.get("/api/v1/figures/referrals/")
    assert folded.status_code == answer.status_code
    assert not queries_on("replica", captured)
    assert figures_queries(queries_on("default", captured))
    assert PIN_COOKIE in folded.cookies

    with Capture() as captured:
        analyst_api.get("/api/v1/figures/referrals/")
    assert not queries_on("replica", captured)

    del analyst_api.cookies[PIN_COOKIE]
    with Capture() as captured:
        analyst_api.get("/api/v1/figures/referrals/")
    assert figures_queries(queries_on("replica", captured))
