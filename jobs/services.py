"""What an administrator does on the jobs page: start an on-demand job, retry a failed one.
Each is an event in the audit chain, written with the change."""

from django.db import transaction
from django.utils import timezone
from procrastinate import exceptions as procrastinate_errors
from procrastinate.contrib.django import app
from procrastinate.contrib.django.models import ProcrastinateJob

from audit.models import EventKind
from audit.recorder import build_event, emit
from core.errors import ConflictError
from jobs.models import Progress
from jobs.permissions import require
from jobs.routine import Routine
from jobs.tasks import TASKS_STARTED_ON_DEMAND
from partners.models import User

ALREADY_WAITING = "A run of this job is already waiting: it starts when a worker is free"


def _event(*, actor: User, action: str, job_id: int, task: str) -> None:
    emit(
        [
            build_event(
                kind=EventKind.ROUTINE,
                user=actor,
                action=action,
                object_type="job",
                object_id=job_id,
                details={"task": task},
            )
        ]
    )


@transaction.atomic
def job_start(*, actor: User, routine: Routine) -> Progress:
    """Queue an on-demand job, in this transaction: it runs once this commits, and its
    progress shows on the jobs page."""
    require(actor, "jobs.start")
    task = TASKS_STARTED_ON_DEMAND[routine.name]
    try:
        # Its own savepoint: a refused queueing lock must not spoil the transaction.
        with transaction.atomic():
            job_id = task.defer()
    except procrastinate_errors.AlreadyEnqueued:
        raise ConflictError(ALREADY_WAITING) from None
    progress = Progress.objects.create(job_id=job_id, task=routine.name, requested_by=actor)
    _event(actor=actor, action="start_job", job_id=job_id, task=routine.name)
    return progress


@transaction.atomic
def job_retry(*, actor: User, job_id: int) -> None:
    """Put a failed job back in the queue, to run now (its attempts go on counting)."""
    require(actor, "jobs.retry")
    job = ProcrastinateJob.objects.select_for_update().filter(pk=job_id, status="failed").first()
    if job is None:
        raise ConflictError("This job is no longer failed: it has been retried already")
    try:
        with transaction.atomic():
            app.job_manager.retry_job_by_id(job_id=job.pk, retry_at=timezone.now())
    except procrastinate_errors.UniqueViolation:
        # Another run holds the job's queueing lock.
        raise ConflictError(ALREADY_WAITING) from None
    _event(actor=actor, action="retry_job", job_id=job.pk, task=job.task_name)
