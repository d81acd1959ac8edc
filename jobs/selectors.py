"""What the jobs page shows: the routine with each job's last run and outcome, the failed
jobs with their errors, and how far the on-demand jobs have got.

Successful jobs are deleted by the worker (``PROCRASTINATE_WORKER_DEFAULTS``), so a job's
last successful run is read from its audit event; what is waiting, running or failed is
read from procrastinate's own table."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Max
from procrastinate.contrib.django.models import ProcrastinateEvent, ProcrastinateJob

from audit.models import AuditEvent, EventKind
from jobs.models import Failure, Progress
from jobs.routine import BY_NAME, ON_DEMAND, SCHEDULE, Routine

FAILED_SHOWN = 50


@dataclass
class Outcome:
    label: str
    colour: str  # a govuk-tag modifier


SUCCEEDED = Outcome("Succeeded", "green")
FAILED = Outcome("Failed", "red")
RUNNING = Outcome("Running", "blue")
RETRYING = Outcome("Waiting to retry", "yellow")
WAITING = Outcome("Waiting to run", "grey")
NEVER = Outcome("Not run yet", "grey")


@dataclass
class ScheduledJob:
    routine: Routine
    outcome: Outcome
    last_run_at: datetime.datetime | None = None
    counts: dict = field(default_factory=dict)


@dataclass
class FailedJob:
    id: int
    routine: Routine | None
    task_name: str
    attempts: int
    error: str
    failed_at: datetime.datetime | None

    @property
    def label(self) -> str:
        return self.routine.label if self.routine else self.task_name


@dataclass
class OnDemandRun:
    routine: Routine
    progress: Progress | None
    outcome: Outcome | None


def _outcome(event: AuditEvent | None, jobs: list) -> Outcome:
    latest = jobs[-1] if jobs else None
    if any(job.status == "doing" for job in jobs):
        return RUNNING
    if latest is not None and latest.status == "todo":
        return RETRYING if latest.attempts else WAITING
    last_success = int(event.object_id) if event is not None and event.object_id else 0
    if latest is not None and latest.status == "failed" and latest.id > last_success:
        return FAILED
    return SUCCEEDED if event is not None else NEVER


def routine_schedule() -> list[ScheduledJob]:
    names = [routine.name for routine in SCHEDULE]
    last_runs = {
        event.action: event
        for event in AuditEvent.objects.filter(
            kind=EventKind.ROUTINE, object_type="job", action__in=names
        )
        .order_by("action", "-id")
        .distinct("action")
    }
    jobs_of: dict[str, list] = {}
    for job in ProcrastinateJob.objects.filter(
        task_name__in=names, status__in=["todo", "doing", "failed"]
    ).order_by("id"):
        jobs_of.setdefault(job.task_name, []).append(job)
    shown = []
    for routine in SCHEDULE:
        event = last_runs.get(routine.name)
        shown.append(
            ScheduledJob(
                routine=routine,
                outcome=_outcome(event, jobs_of.get(routine.name, [])),
                last_run_at=event.occurred_at if event else None,
                counts=event.details.get("counts", {}) if event else {},
            )
        )
    return shown


def _failed(jobs: list) -> list[FailedJob]:
    ids = [job.id for job in jobs]
    errors = {
        failure.job_id: failure.error
        for failure in Failure.objects.filter(job_id__in=ids)
        .order_by("job_id", "-failed_at")
        .distinct("job_id")
    }
    failed_at = dict(
        ProcrastinateEvent.objects.filter(job_id__in=ids, type="failed")
        .values("job_id")
        .annotate(at=Max("at"))
        .values_list("job_id", "at")
    )
    return [
        FailedJob(
            id=job.id,
            routine=BY_NAME.get(job.task_name),
            task_name=job.task_name,
            attempts=job.attempts,
            error=errors.get(job.id, ""),
            failed_at=failed_at.get(job.id),
        )
        for job in jobs
    ]


def failed_jobs() -> list[FailedJob]:
    """The newest failed jobs, each with the error of its last attempt."""
    return _failed(
        list(ProcrastinateJob.objects.filter(status="failed").order_by("-id")[:FAILED_SHOWN])
    )


def failed_job(job_id) -> FailedJob | None:
    found = _failed(list(ProcrastinateJob.objects.filter(pk=job_id, status="failed")))
    return found[0] if found else None


def on_demand_runs() -> list[OnDemandRun]:
    """The latest run of each on-demand job and how far it got. A run whose job row is gone
    succeeded (the worker deletes successful jobs)."""
    names = [routine.name for routine in ON_DEMAND]
    latest = {
        progress.task: progress
        for progress in Progress.objects.filter(task__in=names)
        .order_by("task", "-requested_at", "-id")
        .distinct("task")
    }
    statuses = dict(
        ProcrastinateJob.objects.filter(
            pk__in=[progress.job_id for progress in latest.values()]
        ).values_list("id", "status")
    )
    runs = []
    for routine in ON_DEMAND:
        progress = latest.get(routine.name)
        outcome = None
        if progress is not None:
            status = statuses.get(progress.job_id)
            outcome = {
                "todo": RETRYING if progress.started_at else WAITING,
                "doing": RUNNING,
                "failed": FAILED,
            }.get(status, SUCCEEDED if status is None else FAILED)
        runs.append(OnDemandRun(routine=routine, progress=progress, outcome=outcome))
    return runs
