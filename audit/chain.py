"""History digests into the chain; sealing the chain; walking the chain to verify it.

Writers only INSERT (unsealed, no lock between them); the sequencer seals the committed
events in order (``seal``, the ``audit_seal`` SQL function, migration 0006). Verification
streams the sealed chain in seq order with a server-side cursor: PostgreSQL recomputes
each hash as it reads, Python checks the links, the columns against the hashed content,
and the history digests one query per history model per batch, so memory stays flat
whatever the length of the chain.
"""

import contextvars
import hashlib
import json
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction

from audit.models import AuditEvent, EventKind
from audit.recorder import build_event, canonical, emit, event_fields


def history_digest(historical) -> str:
    """A digest of a history row's values (decrypted, so key rotation leaves it valid)."""
    values = {f.attname: f.value_from_object(historical) for f in historical._meta.concrete_fields}
    return hashlib.sha256(canonical(values).encode()).hexdigest()


# Change events held by ``changes_together``: the list, and how many savepoints were open
# when it began (None outside one: each is written once its transaction commits).
_held: contextvars.ContextVar[tuple[list, int] | None] = contextvars.ContextVar(
    "audit_changes_held", default=None
)


def on_history_row(sender, history_instance, **kwargs):
    """Every history row gets a digest in the chain. Inside ``changes_together`` it is
    written in the history row's own transaction; elsewhere once the transaction commits."""
    base = history_instance.instance_type._meta
    # The record's id is a column of its history row: ``history_instance.instance`` would
    # re-read the record for any field history leaves out (a query per history row).
    event = build_event(
        kind=EventKind.CHANGE,
        user=getattr(history_instance, "history_user", None),
        action=history_instance.history_type,
        object_type=base.label,
        object_id=getattr(history_instance, base.pk.attname),
        details={
            "history_model": history_instance._meta.label,
            "history_id": history_instance.pk,
            "digest": history_digest(history_instance),
        },
    )
    held = _held.get()
    # Not inside a savepoint opened within the block: were it rolled back, a held event
    # would outlive the row it vouches for (a commit callback goes with its savepoint).
    if held is not None and len(connection.savepoint_ids) == held[1]:
        held[0].append(event)
    else:
        transaction.on_commit(lambda: emit([event]))


@contextmanager
def changes_together():
    """Write the change events of the history rows written inside in one INSERT as the
    block ends, still in the caller's transaction: they commit or roll back with the
    changes, and none waits past the commit (where a crash would lose it) in the request's
    buffer, which costs a transaction of its own after the response. Nothing is written if
    the block raises: its transaction rolls back, history rows and all."""
    if not connection.in_atomic_block:
        raise RuntimeError("changes_together() holds events until the end of a transaction")
    events: list[AuditEvent] = []
    token = _held.set((events, len(connection.savepoint_ids)))
    try:
        yield
    finally:
        _held.reset(token)
    if events and getattr(settings, "AUDIT_ENABLED", True):
        AuditEvent.objects.bulk_create(events)


# One sealing transaction: big enough to amortise the head update, small enough that the
# head row is never locked for long (about half a second at 20,000 events a second).
SEAL_BATCH = 10_000


def seal(*, max_rows: int | None = None, wait: bool = True, batch: int = SEAL_BATCH) -> int:
    """Seal what is waiting, oldest id first, in transactions of ``batch``; how many sealed.

    ``max_rows`` None seals until nothing is left. ``wait`` False returns 0 at once when
    another sealer holds the chain head (a request-side caller should not queue behind it).
    Inside a caller's transaction the head stays locked until that transaction ends."""
    sealed, after = 0, 0
    while max_rows is None or sealed < max_rows:
        size = batch if max_rows is None else min(batch, max_rows - sealed)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT sealed, last_id FROM audit_seal(%s, %s, %s)", [size, wait, after]
            )
            done, last_id = cursor.fetchone()
        sealed += done
        if done == size:
            # Go on after the last id sealed: not over every row sealed since the last vacuum.
            after = last_id
        elif after:
            # The queue past ``after`` is empty; one look from the start, for events
            # committed late with lower ids.
            after = 0
        else:
            break
    return sealed


def unsealed_count() -> int:
    """Events written but not sealed yet (the partial index keeps this cheap)."""
    return AuditEvent.objects.filter(seq=None).count()


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None
    # Events not sealed yet: written and protected, but not in the chain to check.
    unsealed: int = 0


def _tombstoned() -> set[tuple[str, str]]:
    erased: set[tuple[str, str]] = set()
    for content in AuditEvent.objects.filter(kind=EventKind.TOMBSTONE).values_list(
        "content", flat=True
    ):
        details = json.loads(content).get("details", {})
        for label, ids in details.get("erased", {}).items():
            erased.update((label, str(pk)) for pk in ids)
    return erased


# PostgreSQL checks each sealed row as it streams it: the hash recomputed, and the columns
# compared with the hashed content as ``recorder.event_fields`` wrote them (occurred_at in
# Python's isoformat, UTC). Only a row it doubts is read again and judged by Python, so a
# difference of formatting can never pass for tampering; only CHANGE rows bring their
# content back, for the history digests.
_STREAM = """
    SELECT seq, prev_hash, hash, hash_ok,
           CASE WHEN hash_ok THEN (content::jsonb - 'details') = jsonb_build_object(
               'kind', kind,
               'occurred_at',
                   to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                   || CASE WHEN date_part('microseconds', occurred_at)::bigint % 1000000 = 0
                           THEN '' ELSE to_char(occurred_at AT TIME ZONE 'UTC', '.US') END
                   || '+00:00',
               'user', user_id, 'organisation', organisation_id, 'role', role,
               'action', action, 'object_type', object_type, 'object_id', object_id,
               'person_id', person_id::text, 'channel', channel,
               'ip_address', CASE WHEN ip_address IS NOT NULL THEN format('%s', ip_address) END,
               'purpose', purpose, 'recipient_organisation', recipient_organisation_id,
               'data_categories', data_categories, 'basis', basis
           ) END,
           CASE WHEN kind = 'change' THEN content END
    FROM (
        SELECT *, hash = encode(sha256(convert_to(
                   prev_hash || '|' || seq::text || '|' || content, 'UTF8')), 'hex') AS hash_ok
        FROM audit_auditevent WHERE seq IS NOT NULL
    ) AS sealed
    ORDER BY seq
"""


def _head() -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, hash FROM audit_chainhead WHERE id = 1")
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, "")


def _columns_match(seq: int) -> bool:
    """Python's own judgement of one row PostgreSQL doubted (its columns against its content)."""
    event = AuditEvent.objects.get(seq=seq)
    payload = json.loads(event.content)
    fields = event_fields(event)
    return {name: payload.get(name) for name in fields} == json.loads(canonical(fields))


def verify_chain(*, progress=None, batch_size: int = 5000) -> VerifyResult:
    """Walk the sealed chain in order and report the first entry altered, removed or
    inserted; then how many events wait unsealed (not a break: the sequencer's queue).

    The head is read before the walk (every entry up to it must be there, ending in its
    hash) and again after it (no entry may lie beyond it), so a sequencer sealing during
    the walk is not mistaken for an inserted or removed entry."""
    erased = _tombstoned()
    head_seq, head_hash = _head()
    previous_hash, expected_seq, checked = "", 1, 0
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(_STREAM)
        while rows := cursor.fetchmany(batch_size):
            digests: dict[str, dict[int, tuple[int, str]]] = {}
            for seq, prev_hash, stored_hash, hash_ok, columns_ok, change in rows:
                if seq != expected_seq:
                    what = "removed" if seq > expected_seq else "inserted"
                    return VerifyResult(
                        False, checked, f"entry {expected_seq} {what} (found {seq})", seq
                    )
                if prev_hash != previous_hash:
                    return VerifyResult(False, checked, "link to the previous entry broken", seq)
                if not hash_ok:
                    return VerifyResult(False, checked, "content altered (hash mismatch)", seq)
                if seq == head_seq and stored_hash != head_hash:
                    return VerifyResult(
                        False, checked, f"entry {seq} is not the one the head sealed", seq
                    )
                if not columns_ok and not _columns_match(seq):
                    return VerifyResult(
                        False, checked, "columns altered (they differ from the hash)", seq
                    )
                if change is not None:
                    details = json.loads(change)["details"]
                    digests.setdefault(details["history_model"], {})[details["history_id"]] = (
                        seq,
                        details["digest"],
                    )
                previous_hash, expected_seq, checked = stored_hash, expected_seq + 1, checked + 1
            problem = _verify_history(digests, erased, checked)
            if problem is not None:
                return problem
            if progress:
                progress(len(rows))
    last_seq = expected_seq - 1
    if last_seq < head_seq:
        return VerifyResult(False, checked, f"entries after {last_seq} removed", head_seq)
    head_seq, head_hash = _head()
    if last_seq > head_seq or (last_seq == head_seq and previous_hash != head_hash):
        return VerifyResult(
            False, checked, f"entries after {head_seq} are not in the head", head_seq + 1
        )
    return VerifyResult(True, checked, unsealed=unsealed_count())


def _verify_history(digests, erased, checked) -> VerifyResult | None:
    """One batch's history digests: one query per history model, no per-row reads (the
    digest is over the history row's own columns, and the base record's id is one of them,
    so the history row's ``instance``, a query each, is never built)."""
    for label, by_id in digests.items():
        model = apps.get_model(label)
        base = model.instance_type._meta.label
        base_pk = model.instance_type._meta.pk.attname
        present = model.objects.in_bulk(list(by_id))
        for history_id, (seq, digest) in sorted(by_id.items(), key=lambda item: item[1][0]):
            row = present.get(history_id)
            if row is None:
                if any(key[0] == base for key in erased):
                    continue
                return VerifyResult(
                    False, checked, f"history row {label} {history_id} removed", seq
                )
            if (base, str(getattr(row, base_pk))) in erased:
                continue
            if history_digest(row) != digest:
                return VerifyResult(
                    False, checked, f"history row {label} {history_id} altered", seq
                )
    return None
