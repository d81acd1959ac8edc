"""What each job of the routine does, through the services the management commands call
too; each returns its counts, which go into the job's audit event."""

import datetime

from django.utils import timezone

from api.idempotency import prune_idempotency_records
from api.services import prune_expired_api_tokens
from audit.chain import seal, verify_chain
from audit.models import AuditEvent, EventKind
from audit.recorder import build_event, emit
from audit.retention import apply_retention
from audit.services import flags_refresh, flags_waiting_tell
from cases.reminders import agenda_reminders_send, work_due_digest_send
from core.actors import SYSTEM
from figures import store
from jobs.running import NotRetried
from notifications.services import notification_chain_broken
from partners.services import prune_expired_sessions
from referrals.key_rotation import rotate_keys, rows_to_rotate
from referrals.models import Person
from sharing.agreements import agreement_review_reminders_send


class ChainBroken(NotRetried):
    """The audit chain failed verification: retrying would find the same break."""


def retention() -> dict:
    plan = apply_retention(dry_run=False)
    erased = sum(count for kind, count in plan.counts.items() if kind != "people")
    return {"people erased": plan.counts["people"], "records erased": erased}


def chain_verification_failed(*, detail: str) -> None:
    """The nightly verification found the audit chain broken. The failure goes into the
    chain itself, as a security event IG sees in the trail, and every IG officer and
    administrator is told (the detail on the notifications page only, never by email); the
    job then fails, and shows on the administrators' jobs page."""
    notification_chain_broken(detail=detail)
    emit(
        [
            build_event(
                kind=EventKind.SECURITY,
                user=SYSTEM,
                action="audit_chain_broken",
                object_type="audit_chain",
                details={"problem": detail},
            )
        ]
    )


# Events waiting longer than this mean the sealer process is not running (it seals within
# a second or so): then the backstop's run is worth an event.
SEALER_MISSING_AFTER = datetime.timedelta(minutes=1)


def seal_audit_chain() -> dict:
    """Seal what waits; counts only when something had waited past SEALER_MISSING_AFTER."""
    # The first waiting by id, through the sequencer's partial index (a MIN over
    # occurred_at would walk the (occurred_at, id) index past every sealed event).
    oldest = (
        AuditEvent.objects.filter(seq=None)
        .order_by("id")
        .values_list("occurred_at", flat=True)
        .first()
    )
    sealed = seal()
    if oldest is None or timezone.now() - oldest < SEALER_MISSING_AFTER:
        return {}
    return {
        "events sealed": sealed,
        "oldest waited (seconds)": int((timezone.now() - oldest).total_seconds()),
    }


def verify_audit_chain() -> dict:
    # Seal first, so the night's check covers everything written before it started.
    seal()
    result = verify_chain()
    if not result.ok:
        detail = f"Audit chain broken at entry {result.seq}: {result.problem}"
        chain_verification_failed(detail=detail)
        raise ChainBroken(detail)
    return {"entries checked": result.checked, "events not yet sealed": result.unsealed}


def scan_flags() -> dict:
    return {"flags raised": flags_refresh(), "people told": flags_waiting_tell()}


def prune_idempotency() -> dict:
    return {"records deleted": prune_idempotency_records()}


def prune_api_tokens() -> dict:
    return {"tokens deleted": prune_expired_api_tokens()}


def prune_sessions() -> dict:
    return {"sessions deleted": prune_expired_sessions()}


def agenda_reminders() -> dict:
    return {"people told": agenda_reminders_send()}


def work_due_digest() -> dict:
    return {"people told": work_due_digest_send()}


def agreement_review_reminders() -> dict:
    return {"notifications sent": agreement_review_reminders_send()}


def rebuild_figures(report) -> dict:
    # The rebuild tells its progress in people.
    with report.counting(total=Person.objects.count()) as progress:
        people = store.rebuild(progress=progress)
    return {"people rebuilt": people}


def rotate_encryption_keys(report) -> dict:
    with report.counting(total=rows_to_rotate(blind_indexes=False)) as progress:
        rotation = rotate_keys(progress=progress)
    return {"rows re-encrypted": rotation.rewritten}
