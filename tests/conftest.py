"""Named users of the partnership, each of whom can and cannot do certain things."""

import pytest
from rest_framework.test import APIClient

from api.services import api_token_issue
from partners.models import Area, OrganisationType
from partners.roles import Role
from tests.factories import make_member, make_organisation
from tests.support import VerifiedClient, empty_queue


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_audit_trail_s_truncate_guard():
    """The database refuses TRUNCATE on the audit trail (migration audit 0006); the flush
    after a test whose changes commit truncates every table, so it runs as replication
    does, without user triggers. Only tests do this: nothing else flushes."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if statements:
            return ["SET LOCAL session_replication_role = replica", *statements]
        return statements

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture
def school(db):
    return make_organisation(name="Riverside Academy", organisation_type=OrganisationType.SCHOOL)


@pytest.fixture
def police(db):
    return make_organisation(
        name="Durham Constabulary", organisation_type=OrganisationType.POLICE, area=Area.COUNTYWIDE
    )


@pytest.fixture
def charity(db):
    return make_organisation(
        name="Northern Mentoring Trust",
        organisation_type=OrganisationType.VOLUNTARY,
        area=Area.COUNTYWIDE,
    )


@pytest.fixture
def partnership(db):
    return make_organisation(
        name="Partnership team",
        organisation_type=OrganisationType.PARTNERSHIP,
        area=Area.COUNTYWIDE,
    )


@pytest.fixture
def school_caseworker(school):
    return make_member(school, Role.REFERRER, username="school-caseworker")


@pytest.fixture
def police_officer(police):
    return make_member(police, Role.REFERRER, username="police-officer")


@pytest.fixture
def provider_keyworker(charity):
    return make_member(charity, Role.PROVIDER, username="provider-keyworker")


@pytest.fixture
def ig_officer(partnership):
    return make_member(partnership, Role.IG_OFFICER, username="ig-officer")


@pytest.fixture
def analyst(partnership):
    return make_member(partnership, Role.ANALYST, username="analyst")


@pytest.fixture
def admin_user(partnership):
    return make_member(partnership, Role.ADMIN, username="admin")


@pytest.fixture
def api():
    """An API client signed in as whoever is passed: ``api(user)``; ``api()`` is anonymous."""

    def client_for(user=None):
        client = APIClient()
        if user is not None:
            _, raw = api_token_issue(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        return client

    return client_for


@pytest.fixture
def durham_council(db):
    return make_organisation(
        name="Durham County Council",
        organisation_type=OrganisationType.LOCAL_AUTHORITY,
        area=Area.DURHAM,
    )


@pytest.fixture
def darlington_council(db):
    return make_organisation(
        name="Darlington Borough Council",
        organisation_type=OrganisationType.LOCAL_AUTHORITY,
        area=Area.DARLINGTON,
    )


@pytest.fixture
def hospital(db):
    return make_organisation(
        name="Emergency Department",
        organisation_type=OrganisationType.HEALTH,
        area=Area.COUNTYWIDE,
    )


@pytest.fixture
def coordinator(durham_council):
    """Coordinator for Durham: screens Durham's referrals, never Darlington's."""
    return make_member(durham_council, Role.COORDINATOR, username="durham-coordinator")


@pytest.fixture
def second_coordinator(durham_council):
    return make_member(durham_council, Role.COORDINATOR, username="durham-coordinator-2")


@pytest.fixture
def darlington_coordinator(darlington_council):
    return make_member(darlington_council, Role.COORDINATOR, username="darlington-coordinator")


@pytest.fixture
def health_caseworker(hospital):
    return make_member(hospital, Role.REFERRER, username="ed-navigator")


@pytest.fixture
def panel_member(hospital):
    return make_member(hospital, Role.PANEL_MEMBER, username="panel-member")


@pytest.fixture
def panel_chair(durham_council):
    return make_member(durham_council, Role.PANEL_CHAIR, username="panel-chair")


@pytest.fixture
def darlington_panel_member(darlington_council):
    return make_member(darlington_council, Role.PANEL_MEMBER, username="darlington-member")


@pytest.fixture
def client():
    return VerifiedClient()


@pytest.fixture
def queue(transactional_db):
    """An empty job queue before and after a test whose jobs commit (a real worker)."""
    empty_queue()
    yield
    empty_queue()


def _commits(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    marked = marker is not None and (
        marker.kwargs.get("transaction", False) or (bool(marker.args) and marker.args[0])
    )
    return marked or bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _no_job_outlives_a_transactional_test(request, django_db_blocker):
    """A test whose changes commit has its rows flushed after it, but procrastinate's tables
    are not Django's to flush: the jobs those changes deferred would meet every later test
    on the same database (a notification's email, say) and count in its queue."""
    yield
    if _commits(request):
        with django_db_blocker.unblock():
            empty_queue()
