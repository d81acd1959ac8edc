"""The routine as procrastinate tasks (found by procrastinate's autodiscovery of
``tasks`` modules). The worker defers the periodic ones itself, at the times of
``jobs.routine``; the on-demand ones are deferred from the jobs page (``jobs.services``).

Every task has a ``lock`` (two runs of one job never run at once) and a ``queueing_lock``
(at most one run waits), and retries with exponential back-off: after 4, 16, 64, 256 and
1,024 seconds, then it fails and waits on the jobs page for an administrator.
"""

from asgiref.sync import sync_to_async
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from jobs import housekeeping
from jobs.routine import (
    AGENDAS,
    AGREEMENT_REVIEWS,
    CHAIN,
    FLAGS,
    IDEMPOTENCY,
    REBUILD,
    RETENTION,
    ROTATION,
    SEALING,
    SESSIONS,
    STALLED,
    TOKENS,
    WORK_DUE,
    Routine,
)
from jobs.running import NotRetried, ProgressReport, record_failure, record_run, run_routine


class BackOff(RetryStrategy):
    """Exponential back-off, except for a failure that retrying cannot mend."""

    def get_retry_decision(self, *, exception, job):
        if isinstance(exception, NotRetried):
            return None
        return super().get_retry_decision(exception=exception, job=job)


BACK_OFF = BackOff(max_attempts=5, exponential_wait=4)


def routine_task(routine: Routine):
    return app.task(
        name=routine.name,
        lock=routine.name,
        queueing_lock=routine.name,
        retry=BACK_OFF,
        pass_context=True,
    )


def periodic(routine: Routine):
    return app.periodic(cron=routine.cron, periodic_id=routine.name)


@periodic(RETENTION)
@routine_task(RETENTION)
def retention(context, timestamp):
    run_routine(RETENTION, context, housekeeping.retention)


@periodic(CHAIN)
@routine_task(CHAIN)
def verify_audit_chain(context, timestamp):
    run_routine(CHAIN, context, housekeeping.verify_audit_chain)


@periodic(SEALING)
@routine_task(SEALING)
def seal_audit_chain(context, timestamp):
    """The sequencer's backstop. Silent while the sealer process keeps up (an event every
    minute would be noise, and would itself wait to be sealed); an event when events had
    waited, which says the sealer is not running."""
    try:
        counts = housekeeping.seal_audit_chain()
    except Exception as error:
        record_failure(
            SEALING, job_id=context.job.id, attempt=context.job.attempts + 1, error=error
        )
        raise
    if counts:
        record_run(SEALING, job_id=context.job.id, counts=counts)


@periodic(FLAGS)
@routine_task(FLAGS)
def scan_flags(context, timestamp):
    run_routine(FLAGS, context, housekeeping.scan_flags)


@periodic(IDEMPOTENCY)
@routine_task(IDEMPOTENCY)
def prune_idempotency_records(context, timestamp):
    run_routine(IDEMPOTENCY, context, housekeeping.prune_idempotency)


@periodic(TOKENS)
@routine_task(TOKENS)
def prune_api_tokens(context, timestamp):
    run_routine(TOKENS, context, housekeeping.prune_api_tokens)


@periodic(SESSIONS)
@routine_task(SESSIONS)
def prune_sessions(context, timestamp):
    run_routine(SESSIONS, context, housekeeping.prune_sessions)


@periodic(STALLED)
@routine_task(STALLED)
async def retry_stalled_jobs(context, timestamp):
    """A worker killed mid-job (SIGKILL, a lost machine) leaves its job "doing" for ever,
    and its lock then holds back every later run of that job: put such jobs back in the
    queue. Every ten minutes, so its audit event is written only when it reran something."""
    manager = context.app.job_manager
    try:
        stalled = list(await manager.get_stalled_jobs())
        for job in stalled:
            await manager.retry_job(job)
    except Exception as error:
        await sync_to_async(record_failure)(
            STALLED, job_id=context.job.id, attempt=context.job.attempts + 1, error=error
        )
        raise
    if stalled:
        await sync_to_async(record_run)(
            STALLED, job_id=context.job.id, counts={"jobs rerun": len(stalled)}
        )


@periodic(AGENDAS)
@routine_task(AGENDAS)
def agenda_reminders(context, timestamp):
    run_routine(AGENDAS, context, housekeeping.agenda_reminders)


@periodic(WORK_DUE)
@routine_task(WORK_DUE)
def work_due_digest(context, timestamp):
    run_routine(WORK_DUE, context, housekeeping.work_due_digest)


@periodic(AGREEMENT_REVIEWS)
@routine_task(AGREEMENT_REVIEWS)
def agreement_review_reminders(context, timestamp):
    run_routine(AGREEMENT_REVIEWS, context, housekeeping.agreement_review_reminders)


@routine_task(REBUILD)
def rebuild_figures(context):
    report = ProgressReport(context.job.id)
    run_routine(REBUILD, context, lambda: housekeeping.rebuild_figures(report))


@routine_task(ROTATION)
def rotate_keys(context):
    report = ProgressReport(context.job.id)
    run_routine(ROTATION, context, lambda: housekeeping.rotate_encryption_keys(report))


TASKS_STARTED_ON_DEMAND = {REBUILD.name: rebuild_figures, ROTATION.name: rotate_keys}
