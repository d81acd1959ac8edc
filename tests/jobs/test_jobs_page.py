"""The administrators' jobs page: the routine and how its last runs went, failed jobs with
their errors and a retry, and the on-demand jobs started and followed from there. Only an
administrator may do any of it."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from procrastinate.contrib.django.models import ProcrastinateJob

from audit.describe import describe
from audit.models import AuditEvent, EventKind
from jobs import tasks
from jobs.housekeeping import chain_verification_failed
from jobs.models import Progress
from jobs.permissions import can
from jobs.routine import REBUILD, ROTATION, SESSIONS, TOKENS
from jobs.running import record_run
from jobs.services import ALREADY_WAITING, job_retry, job_start
from partners.roles import Role
from tests.factories import failed_job, make_member

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The page's words, as read: tags dropped, white space collapsed."""
    main = response.content.decode().split("<main", 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def test_the_page_shows_the_routine_failed_jobs_and_jobs_to_start(
    client, admin_user, django_assert_max_num_queries
):
    record_run(TOKENS, job_id=7, counts={"tokens deleted": 3})
    job_id = failed_job("prune_sessions", error="OperationalError: server closed the connection")
    client.force_login(admin_user)

    with django_assert_max_num_queries(16):
        response = client.get(reverse("jobs:page"))

    assert response.status_code == 200
    page = text_of(response)
    assert "Delete expired API tokens Every hour at 10 past" in page
    assert "Tokens deleted: 3" in page
    assert "Delete expired sign-in sessions Every hour at 15 past Never Failed" in page
    assert "Erase records past retention Every night at 02:00 Never Not run yet" in page
    assert "OperationalError: server closed the connection 6" in page
    html = response.content.decode()
    assert f'href="{reverse("jobs:retry", kwargs={"job_id": job_id})}"' in html
    for routine in (REBUILD, ROTATION):
        assert f'action="{reverse("jobs:start", kwargs={"name": routine.name})}"' in html


def test_retry_asks_first_then_queues_the_job_and_is_audited(client, admin_user):
    job_id = failed_job("prune_sessions", error="RuntimeError: disk full")
    client.force_login(admin_user)
    url = reverse("jobs:retry", kwargs={"job_id": job_id})

    confirm = text_of(client.get(url))
    assert "Are you sure you want to retry this job?" in confirm
    assert "Delete expired sign-in sessions" in confirm
    assert "RuntimeError: disk full" in confirm

    response = client.post(url, follow=True)

    assert "will run again as soon as a worker is free" in text_of(response)
    job = ProcrastinateJob.objects.get(pk=job_id)
    assert job.status == "todo"
    event = AuditEvent.objects.get(action="retry_job")
    assert (event.kind, event.user, event.object_id) == (
        EventKind.ROUTINE,
        admin_user,
        str(job_id),
    )
    # No longer failed: not offered, and not retried twice.
    assert client.get(url).status_code == 404


def test_a_retry_waits_its_turn_behind_a_run_already_waiting(client, admin_user):
    job_id = failed_job("prune_sessions")
    tasks.prune_sessions.defer(timestamp=1)  # the next hourly run, queued already
    client.force_login(admin_user)

    response = client.post(reverse("jobs:retry", kwargs={"job_id": job_id}), follow=True)

    assert ALREADY_WAITING in text_of(response)
    assert ProcrastinateJob.objects.get(pk=job_id).status == "failed"
    assert not AuditEvent.objects.filter(action="retry_job").exists()


def test_starting_a_rebuild_queues_one_job_and_shows_its_progress(client, admin_user):
    client.force_login(admin_user)
    url = reverse("jobs:start", kwargs={"name": "rebuild_figures"})

    first = client.post(url, follow=True)
    second = client.post(url, follow=True)

    assert "has started" in text_of(first)
    assert ALREADY_WAITING in text_of(second)
    job = ProcrastinateJob.objects.get()
    assert (job.task_name, job.status) == ("rebuild_figures", "todo")
    progress = Progress.objects.get()
    assert (progress.job_id, progress.requested_by) == (job.pk, admin_user)
    assert AuditEvent.objects.filter(action="start_job", user=admin_user).count() == 1
    page = text_of(client.get(reverse("jobs:page")))
    assert "Rebuild the reporting facts Status Waiting to run Progress Not started yet" in page

    Progress.objects.filter(pk=progress.pk).update(total=400, done=100)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [job.pk])
    page = text_of(client.get(reverse("jobs:page")))
    assert "Status Running Progress 100 of 400 (25%)" in page


def test_only_on_demand_jobs_can_be_started(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("jobs:start", kwargs={"name": SESSIONS.name}))
    assert response.status_code == 404
    assert not ProcrastinateJob.objects.exists()


OTHER_ROLES = [role for role in Role if role != Role.ADMIN]


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_is_refused_every_operation(client, partnership, role):
    user = make_member(partnership, role)
    job_id = failed_job("prune_sessions")
    client.force_login(user)

    assert not any(can(user, action) for action in ("jobs.view", "jobs.retry", "jobs.start"))
    retry = reverse("jobs:retry", kwargs={"job_id": job_id})
    start = reverse("jobs:start", kwargs={"name": REBUILD.name})
    assert client.get(reverse("jobs:page")).status_code == 403
    assert client.get(retry).status_code == 403
    assert client.post(retry).status_code == 403
    assert client.post(start).status_code == 403
    with pytest.raises(PermissionDenied):
        job_retry(actor=user, job_id=job_id)
    with pytest.raises(PermissionDenied):
        job_start(actor=user, routine=REBUILD)

    assert list(ProcrastinateJob.objects.values_list("id", "status")) == [(job_id, "failed")]
    assert not Progress.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["retry_job", "start_job"]).exists()


def test_the_routines_events_read_as_sentences_on_igs_trail(admin_user):
    record_run(SESSIONS, job_id=3, counts={"sessions deleted": 2})
    job_start(actor=admin_user, routine=REBUILD)
    chain_verification_failed(detail="Audit chain broken at entry 2: link broken")

    # The admin's account came with change events of its own (an organisation, a membership).
    routines = AuditEvent.objects.exclude(kind=EventKind.CHANGE).order_by("id")
    sentences = [describe(event) for event in routines]

    assert sentences == [
        "The service ran the background job “prune sessions”",
        f"{admin_user} started the background job “rebuild figures”",
        "The service found the audit chain broken",
    ]
