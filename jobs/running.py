"""Running a job of the routine: the audit event with its counts when it succeeds, the
error when an attempt fails, and the progress of an on-demand job while it runs."""

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connections
from django.utils import timezone

from audit.models import EventKind
from audit.recorder import build_event, emit
from core.actors import SYSTEM
from jobs.models import Failure, Progress
from jobs.routine import Routine

ERROR_LENGTH = Failure._meta.get_field("error").max_length
# A progress row is written at most this often (and at the end), whatever the batch size.
PROGRESS_INTERVAL_SECONDS = 1.0


class NotRetried(Exception):
    """A failure no retry can mend (a broken audit chain): the job fails at once."""


def describe(error: BaseException) -> str:
    """What the jobs page shows of a failure. Administrators see no one's records, and the
    message of an error from the database, a validation or a look-up can quote a value
    (``invalid input syntax for type date: "…"``, ``KeyError('…')``): only the routine's own
    failures (``NotRetried``: a broken chain names an entry, never a person) keep their
    message; any other error shows its type, and a database error its SQLSTATE."""
    name = type(error).__name__
    if isinstance(error, NotRetried):
        first_line = (str(error).strip().splitlines() or [""])[0]
        text = f"{name}: {first_line}" if first_line else name
    else:
        state = getattr(error, "sqlstate", None) or getattr(error.__cause__, "sqlstate", None)
        text = f"{name} (SQLSTATE {state})" if state else name
    return text[:ERROR_LENGTH]


def record_run(routine: Routine, *, job_id: int, counts: dict) -> None:
    """One event in the chain for a run that finished, with its counts."""
    emit(
        [
            build_event(
                kind=EventKind.ROUTINE,
                user=SYSTEM,
                action=routine.name,
                object_type="job",
                object_id=job_id,
                details={"counts": counts},
            )
        ]
    )


def record_failure(routine: Routine, *, job_id: int, attempt: int, error: BaseException):
    Failure.objects.create(
        job_id=job_id,
        task=routine.name,
        attempt=attempt,
        error=describe(error),
        failed_at=timezone.now(),
    )


def run_routine(routine: Routine, context, work: Callable[[], dict]) -> dict:
    """Run ``work`` as an attempt of the job in ``context``: its counts go into the audit
    chain; an error is kept for the jobs page, then raised again for procrastinate to retry
    (or to fail the job once the attempts are spent)."""
    job = context.job
    try:
        counts = work()
    except Exception as error:
        record_failure(routine, job_id=job.id, attempt=job.attempts + 1, error=error)
        raise
    record_run(routine, job_id=job.id, counts=counts)
    return counts


class ProgressReport:
    """How far an on-demand job has got, written to its ``Progress`` row from a thread of
    its own: Django gives each thread its own connection, so each write commits at once,
    even while the job's work is still inside one long transaction (the rebuild)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.done = 0
        self._written_at = 0.0
        self._writer: ThreadPoolExecutor | None = None

    def _write(self, **fields) -> None:
        assert self._writer is not None
        self._writer.submit(
            lambda: Progress.objects.filter(job_id=self.job_id).update(**fields)
        ).result()
        self._written_at = time.monotonic()

    def counting(self, *, total: int) -> "ProgressReport":
        self.total = total
        return self

    def __enter__(self) -> Callable[[int], None]:
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="job-progress")
        self._write(total=self.total, done=0, started_at=timezone.now(), finished_at=None)
        return self.advance

    def advance(self, count: int) -> None:
        self.done += count
        if time.monotonic() - self._written_at >= PROGRESS_INTERVAL_SECONDS:
            self._write(done=self.done)

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._write(done=self.done, finished_at=timezone.now())
            else:
                self._write(done=self.done)
        finally:
            assert self._writer is not None
            self._writer.submit(connections.close_all).result()
            self._writer.shutdown()
            self._writer = None
