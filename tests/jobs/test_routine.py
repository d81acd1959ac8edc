"""The routine on a real queue: jobs enqueued with the change that causes them, run by a real
worker in the test, idempotent, retried with back-off, and failing where an administrator
will see them."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateJob

from api.models import ApiToken, IdempotencyRecord
from api.services import api_token_issue
from audit.chain import seal, verify_chain
from audit.models import AuditEvent, EventKind, ReviewFlag
from audit.recorder import build_event, canonical, event_fields
from cases.models import Case
from cases.services import case_close
from jobs import housekeeping, tasks
from jobs.models import Failure, Progress
from jobs.routine import REBUILD, SCHEDULE
from jobs.running import describe
from jobs.services import job_retry, job_start
from notifications.models import Kind, Notification
from referrals.models import Person
from tests.factories import (
    failed_job,
    make_agreement,
    make_organisation,
    make_person,
    opened_case,
    years_ago,
)
from tests.support import run_worker, tamper

pytestmark = pytest.mark.usefixtures("queue")

PERIODIC = [routine for routine in SCHEDULE if routine.cron]


def routine_events(name=None):
    events = AuditEvent.objects.filter(kind=EventKind.ROUTINE).order_by("id")
    return events.filter(action=name) if name else events


@pytest.mark.django_db(transaction=True)
def test_a_change_that_rolls_back_enqueues_nothing(admin_user):
    with transaction.atomic():
        job_start(actor=admin_user, routine=REBUILD)
        assert ProcrastinateJob.objects.count() == 1  # in the transaction, not yet outside
        transaction.set_rollback(True)
    assert ProcrastinateJob.objects.count() == 0
    assert Progress.objects.count() == 0
    assert not AuditEvent.objects.filter(action="start_job").exists()


@pytest.mark.django_db(transaction=True)
def test_a_change_that_commits_enqueues_one_job_which_a_real_worker_runs(
    admin_user, school_caseworker
):
    for name in ("Ashworth", "Brook", "Carter"):
        make_person(school_caseworker, family_name=name)

    job_start(actor=admin_user, routine=REBUILD)

    assert list(ProcrastinateJob.objects.values_list("task_name", "status")) == [
        ("rebuild_figures", "todo")
    ]
    started = AuditEvent.objects.get(action="start_job")
    assert (started.user, started.details) == (admin_user, {"task": "rebuild_figures"})

    run_worker()

    # Succeeded, so the worker deleted it; its run is in the chain with its counts.
    assert ProcrastinateJob.objects.count() == 0
    people = Person.objects.count()
    assert routine_events("rebuild_figures").get().details == {"counts": {"people rebuilt": people}}
    progress = Progress.objects.get()
    assert (progress.done, progress.total, progress.percent) == (people, people, 100)
    assert progress.finished_at is not None


def closed_case_past_retention(referrer, coordinator, chair):
    person = make_person(referrer, family_name="Erasable", date_of_birth=years_ago(30))
    case = opened_case(
        referrer,
        coordinator,
        chair,
        person=person,
        pathway="adult_18_35",
        risk_factors=["knife_carrying"],
    )
    case_close(actor=referrer, case=case, reason="goals_met", summary="Done")
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - datetime.timedelta(days=3000))


def state():
    return {
        "people": Person.objects.count(),
        "cases": Case.objects.count(),
        "idempotency records": IdempotencyRecord.objects.count(),
        "tokens": ApiToken.objects.count(),
        "sessions": Session.objects.count(),
        "flags": ReviewFlag.objects.count(),
        "notifications": Notification.objects.count(),
    }


def run_the_routine():
    for routine in PERIODIC:
        getattr(tasks, routine.name).defer(timestamp=0)
    run_worker()
    assert list(ProcrastinateJob.objects.all()) == []


@pytest.mark.django_db(transaction=True)
def test_each_periodic_job_run_twice_changes_nothing_the_second_time(
    school_caseworker, coordinator, panel_chair, ig_officer
):
    long_ago = timezone.now() - datetime.timedelta(days=2)
    closed_case_past_retention(school_caseworker, coordinator, panel_chair)
    record = IdempotencyRecord.objects.create(user=school_caseworker, key="k", fingerprint="f")
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=long_ago)
    token, _ = api_token_issue(user=school_caseworker)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=long_ago)
    Session.objects.create(session_key="expired", session_data="", expire_date=long_ago)
    housing = make_organisation(name="Housing", agreement=False)
    make_agreement(housing, review_on=timezone.localdate() + datetime.timedelta(days=5))
    build_event(
        kind=EventKind.DENIED, user=school_caseworker, action="view", object_type="case"
    ).save()
    before = state()

    run_the_routine()
    first = state()
    run_the_routine()

    assert state() == first
    assert first == before | {
        "people": before["people"] - 1,
        "cases": before["cases"] - 1,
        "idempotency records": 0,
        "tokens": 0,
        "sessions": 0,
        "flags": before["flags"] + 1,
        # Those about the erased person's records went with them; the IG officer was told of
        # the flag waiting and of the agreement due for review; no meeting is near and no
        # review or action is due, so the other daily jobs told nobody.
        "notifications": 2,
    }
    counts = {}
    for event in routine_events():
        counts.setdefault(event.action, []).append(event.details["counts"])
    # One event per run, with its counts; nothing was stalled, so that job wrote none.
    assert counts == {
        "retention": [
            {"people erased": 1, "records erased": 2},
            {"people erased": 0, "records erased": 0},
        ],
        # The job seals first: nothing waits unsealed when it checks.
        "verify_audit_chain": [
            {"entries checked": run["entries checked"], "events not yet sealed": 0}
            for run in counts["verify_audit_chain"]
        ],
        "scan_flags": [
            {"flags raised": 1, "people told": 1},
            {"flags raised": 0, "people told": 0},
        ],
        "prune_idempotency_records": [{"records deleted": 1}, {"records deleted": 0}],
        "prune_api_tokens": [{"tokens deleted": 1}, {"tokens deleted": 0}],
        "prune_sessions": [{"sessions deleted": 1}, {"sessions deleted": 0}],
        "agenda_reminders": [{"people told": 0}, {"people told": 0}],
        "work_due_digest": [{"people told": 0}, {"people told": 0}],
        "agreement_review_reminders": [{"notifications sent": 1}, {"notifications sent": 0}],
    }


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_retried_with_exponential_back_off_then_left_failed(monkeypatch):
    def disk_full():
        # A message can quote a record's values: the jobs page keeps only the type.
        raise RuntimeError("disk full while writing Tyler Ashworth")

    monkeypatch.setattr(housekeeping, "prune_sessions", disk_full)
    tasks.prune_sessions.defer(timestamp=0)

    waits = []
    for _ in range(6):
        before = timezone.now()
        run_worker()
        job = ProcrastinateJob.objects.get()
        if job.status == "todo":
            waits.append((job.scheduled_at - before).total_seconds())
        # Due now, so the next run of the worker takes it without waiting.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now()")

    assert all(
        expected <= wait < expected + 5
        for wait, expected in zip(waits, (4, 16, 64, 256, 1024), strict=True)
    )
    # Six runs: the first and five retries, each error kept for the jobs page.
    assert (job.status, job.attempts) == ("failed", 6)
    assert list(Failure.objects.order_by("attempt").values_list("attempt", "error")) == [
        (attempt, "RuntimeError") for attempt in range(1, 7)
    ]
    assert not routine_events().exists()


@pytest.mark.django_db
def test_a_database_error_is_described_by_its_sqlstate_never_its_message():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::date", ["Tyler Ashworth"])
    except DatabaseError as error:
        described = describe(error)
    assert described == "DataError (SQLSTATE 22007)"


@pytest.mark.django_db(transaction=True)
def test_a_broken_audit_chain_fails_the_job_at_once_and_is_recorded(
    school_caseworker, ig_officer, admin_user
):
    for n in range(3):
        build_event(
            kind=EventKind.ACCESS, user=school_caseworker, action="view", object_id=str(n)
        ).save()
    seal()
    tamper("UPDATE audit_auditevent SET object_id = 'other' WHERE seq = 2")
    tasks.verify_audit_chain.defer(timestamp=0)

    run_worker()

    job = ProcrastinateJob.objects.get()
    assert (job.status, job.attempts) == ("failed", 1)  # one run: no retry mends a broken chain
    failure = Failure.objects.get()
    assert (
        failure.error
        == "ChainBroken: Audit chain broken at entry 2: columns altered (they differ from the hash)"
    )
    alert = AuditEvent.objects.get(action="audit_chain_broken")
    assert (alert.kind, alert.user) == (EventKind.SECURITY, None)
    assert "entry 2" in alert.details["problem"]
    assert not routine_events("verify_audit_chain").exists()
    told = Notification.objects.filter(kind=Kind.CHAIN_BROKEN)
    assert sorted(told.values_list("recipient__username", flat=True)) == sorted(
        [ig_officer.username, admin_user.username]
    )
    assert all("entry 2" in notice.detail for notice in told)


@pytest.mark.django_db(transaction=True)
def test_a_failed_job_retried_by_an_administrator_runs_again(admin_user):
    job_id = failed_job("prune_sessions")

    job_retry(actor=admin_user, job_id=job_id)
    run_worker()

    assert ProcrastinateJob.objects.count() == 0
    assert routine_events("prune_sessions").get().object_id == str(job_id)
    retried = AuditEvent.objects.get(action="retry_job")
    assert (retried.user, retried.object_id) == (admin_user, str(job_id))


@pytest.mark.django_db(transaction=True)
def test_a_job_a_stopped_worker_left_running_is_run_again():
    job_id = tasks.prune_sessions.defer(timestamp=0)
    # As a worker killed mid-job leaves it: running, with no worker alive.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = 'doing' WHERE id = %s", [job_id])
    tasks.retry_stalled_jobs.defer(timestamp=0)

    run_worker()

    assert ProcrastinateJob.objects.count() == 0
    assert routine_events("retry_stalled_jobs").get().details == {"counts": {"jobs rerun": 1}}
    assert routine_events("prune_sessions").get().object_id == str(job_id)


@pytest.mark.django_db(transaction=True)
def test_the_backstop_seals_what_waits_and_tells_only_when_the_sealer_is_missing(
    school_caseworker,
):
    build_event(kind=EventKind.ACCESS, user=school_caseworker, action="view").save()
    tasks.seal_audit_chain.defer(timestamp=0)
    run_worker()
    # Sealed; fresh events mean a sealer keeping up, so the run says nothing.
    assert not AuditEvent.objects.filter(seq=None).exists()
    assert not routine_events("seal_audit_chain").exists()

    waited = build_event(kind=EventKind.ACCESS, user=school_caseworker, action="view")
    waited.occurred_at = timezone.now() - datetime.timedelta(minutes=5)
    waited.content = canonical(event_fields(waited) | {"details": {}})
    waited.save()
    tasks.seal_audit_chain.defer(timestamp=0)
    run_worker()

    counts = routine_events("seal_audit_chain").get().details["counts"]
    assert counts["events sealed"] == 1
    assert counts["oldest waited (seconds)"] >= 300
    assert AuditEvent.objects.get(pk=waited.pk).seq is not None
    seal()
    assert verify_chain().ok
