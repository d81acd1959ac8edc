"""The partnership's routine: what runs in the background, when, and what starts it.

One list for the tasks (``jobs.tasks``), the administrators' jobs page and the README, so
the schedule is written once. Times are cron expressions in UTC (procrastinate reads them
so); ``None`` is a job an administrator starts from the jobs page.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Routine:
    name: str
    label: str
    cron: str | None
    when: str


RETENTION = Routine(
    "retention", "Erase records past retention", "0 2 * * *", "Every night at 02:00"
)
CHAIN = Routine(
    "verify_audit_chain", "Verify the audit chain", "30 2 * * *", "Every night at 02:30"
)
# The sequencer (the Procfile's ``sealer``) seals within a second; this seals what waits if
# it is not running, and writes an event only when it found anything to seal.
SEALING = Routine(
    "seal_audit_chain",
    "Seal audit events into the chain (if the sealer is not running)",
    "* * * * *",
    "Every minute",
)
FLAGS = Routine("scan_flags", "Flag access for IG review", "0 3 * * *", "Every night at 03:00")
IDEMPOTENCY = Routine(
    "prune_idempotency_records",
    "Delete stored API answers older than a day",
    "5 * * * *",
    "Every hour at 5 past",
)
TOKENS = Routine(
    "prune_api_tokens", "Delete expired API tokens", "10 * * * *", "Every hour at 10 past"
)
SESSIONS = Routine(
    "prune_sessions", "Delete expired sign-in sessions", "15 * * * *", "Every hour at 15 past"
)
STALLED = Routine(
    "retry_stalled_jobs",
    "Rerun jobs a stopped worker left unfinished",
    "*/10 * * * *",
    "Every 10 minutes",
)
AGENDAS = Routine(
    "agenda_reminders",
    "Tell panel members their agenda is ready (two working days before)",
    "0 7 * * *",
    "Every morning at 07:00",
)
WORK_DUE = Routine(
    "work_due_digest",
    "Tell owners of overdue risk reviews and panel actions due",
    "30 7 * * *",
    "Every morning at 07:30",
)
AGREEMENT_REVIEWS = Routine(
    "agreement_review_reminders",
    "Tell IG of sharing agreements due for review",
    "0 8 * * *",
    "Every morning at 08:00",
)
REBUILD = Routine("rebuild_figures", "Rebuild the reporting facts", None, "When started here")
ROTATION = Routine(
    "rotate_keys", "Re-encrypt personal data under the newest key", None, "When started here"
)

SCHEDULE = (
    RETENTION,
    CHAIN,
    SEALING,
    FLAGS,
    IDEMPOTENCY,
    TOKENS,
    SESSIONS,
    STALLED,
    AGENDAS,
    WORK_DUE,
    AGREEMENT_REVIEWS,
    REBUILD,
    ROTATION,
)
ON_DEMAND = (REBUILD, ROTATION)
BY_NAME = {routine.name: routine for routine in SCHEDULE}
