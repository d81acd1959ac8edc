"""History digests into the chain; sealing the chain; walking the chain to verify it.

Writers only INSERT (unsealed, no lock between them); the sequencer seals the committed
events in order (``seal``, the ``audit_seal`` SQL function, migration 0006). Verification
streams the sealed chain in seq order with a server-side cursor: PostgreSQL recomputes
each hash, checks each link and each row's columns against its content, and sends back
only what Python must look at (doubted rows, the history digests, the last row); Python
checks the history digests one query per history model per batch, so memory stays flat
whatever the length of the chain.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import DateTimeField, F, Func, TextField
from django.db.models.expressions import RawSQL

from audit.models import AuditEvent, EventKind
from audit.recorder import build_event, canonical, event_fields, in_write_transaction, write_events


def history_digest(historical) -> str:
    """A digest of a history row's values (decrypted, so key rotation leaves it valid)."""
    values = {f.attname: f.value_from_object(historical) for f in historical._meta.concrete_fields}
    return hashlib.sha256(canonical(values).encode()).hexdigest()


def on_history_row(sender, history_instance, **kwargs):
    """Every history row gets a digest in the chain, written in the history row's own
    transaction as it commits (``audit.recorder.emit``); outside one, at once."""
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
    if not getattr(settings, "AUDIT_ENABLED", True):
        return
    # The history row's own connection: its transaction is the one the event joins.
    written_by = connections[kwargs.get("using") or DEFAULT_DB_ALIAS]
    if in_write_transaction(written_by):
        written_by.audit_held.append(event)
    else:
        # Autocommit: the history row is committed already; its event follows at once,
        # not with the request's reads after the response.
        write_events([event], connection=written_by)


def bulk_create_with_history(objs: list, model, *, default_user, default_change_reason: str):
    """``simple_history.utils.bulk_create_with_history`` with each history row's change
    event: simple-history's bulk path sends no signal, so its rows would have none."""
    created = model.objects.bulk_create(objs)
    history = model.history.bulk_history_create(
        created, default_user=default_user, default_change_reason=default_change_reason
    )
    for row in history or ():
        on_history_row(sender=type(row), history_instance=row, using=row._state.db)
    return created


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


# PostgreSQL checks every sealed row as it streams the chain in seq order, and sends back
# only what Python must still look at: a row it doubts, the history digests (CHANGE rows,
# three plain values each) and the last row. The scan recomputes each row's hash and
# compares its columns with the hashed content by rebuilding, as text, the canonical JSON
# around "details" (``recorder.canonical``: keys sorted, no spaces; occurred_at is
# Python's isoformat in UTC); the window over the narrow result compares each link with
# the hash before it (``lag`` in seq order). The rebuilt text quotes the columns without
# escaping them, so a row with a quote or a backslash in a column is only doubted, never
# passed (and one with other characters JSON escapes cannot match): a doubted row goes to
# Python's own judgement, so a difference of formatting can never pass for tampering, nor
# tampering for formatting.
_STREAM = """
    SELECT seq, coalesce(prev_seq, 0), rank, link_ok, hash_ok, head_ok, columns_ok,
           CASE WHEN lead_seq IS NULL THEN hash END,
           details ->> 'history_model', details ->> 'history_id', details ->> 'digest'
    FROM (
        SELECT *,
               row_number() OVER chain AS rank,
               lag(seq) OVER chain AS prev_seq,
               coalesce(prev_hash = coalesce(lag(hash) OVER chain, ''), false) AS link_ok,
               lead(seq) OVER chain AS lead_seq
        FROM (
            SELECT seq, hash, prev_hash, hash_ok,
                   coalesce(seq <> %(head_seq)s OR hash = %(head_hash)s, false) AS head_ok,
                   columns_ok,
                   CASE WHEN kind = 'change' AND hash_ok THEN
                       CASE WHEN columns_ok
                            THEN substr(content, prefix + 1,
                                        length(content) - prefix - length(suffix))::jsonb
                            ELSE content::jsonb -> 'details' END
                   END AS details
            FROM (
                SELECT *, coalesce(
                        hash_ok AND strpos(strings, '"') = 0 AND strpos(strings, '\\') = 0
                        AND length(content) > prefix + length(suffix)
                        AND left(content, prefix) = '{"action":"' || action
                            || '","basis":"' || basis || '","channel":"' || channel
                            || '","data_categories":"' || data_categories || '","details":'
                        AND right(content, length(suffix)) = suffix,
                        false) AS columns_ok
                FROM (
                    SELECT seq, hash, prev_hash, kind, content, action, basis, channel,
                           data_categories,
                           coalesce(hash = encode(sha256(convert_to(
                               prev_hash || '|' || seq::text || '|' || content, 'UTF8')),
                               'hex'), false) AS hash_ok,
                           action || basis || channel || data_categories || kind || object_id
                               || object_type || purpose || role AS strings,
                           length(action) + length(basis) + length(channel)
                               + length(data_categories) + 68 AS prefix,
                           ',"ip_address":'
                           -- format() gives '' for NULL, so NULL is spelt out.
                           || CASE WHEN ip_address IS NULL THEN 'null'
                                   ELSE '"' || format('%%s', ip_address) || '"' END
                           || ',"kind":"' || kind || '","object_id":"' || object_id
                           || '","object_type":"' || object_type || '","occurred_at":"'
                           || to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
                           || CASE WHEN extract(microseconds FROM occurred_at)::bigint
                                        %% 1000000 = 0
                                   THEN '' ELSE to_char(occurred_at AT TIME ZONE 'UTC', '.US')
                              END
                           || '+00:00","organisation":' || coalesce(organisation_id::text, 'null')
                           || ',"person_id":' || coalesce('"' || person_id::text || '"', 'null')
                           || ',"purpose":"' || purpose || '","recipient_organisation":'
                           || coalesce(recipient_organisation_id::text, 'null')
                           || ',"role":"' || role || '","user":'
                           || coalesce(user_id::text, 'null') || '}' AS suffix
                    FROM audit_auditevent WHERE seq IS NOT NULL
                    ORDER BY seq
                ) AS parts
                -- Each level computes its values once (an ORDER BY keeps PostgreSQL from
                -- folding the levels into one and computing a value once per use; the
                -- rows come in that order already, so nothing is sorted).
                ORDER BY seq
            ) AS judged
            ORDER BY seq
        ) AS sealed
        WINDOW chain AS (ORDER BY seq)
    ) AS linked
    WHERE details IS NOT NULL OR lead_seq IS NULL OR seq <> coalesce(prev_seq, 0) + 1
          OR NOT (link_ok AND hash_ok AND head_ok AND columns_ok)
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


def verify_chain(*, progress=None, batch_size: int = 20_000) -> VerifyResult:
    """Walk the sealed chain in order and report the first entry altered, removed or
    inserted; then how many events wait unsealed (not a break: the sequencer's queue).

    The head is read before the walk (every entry up to it must be there, ending in its
    hash) and again after it (no entry may lie beyond it), so a sequencer sealing during
    the walk is not mistaken for an inserted or removed entry. ``progress`` is called with
    how many more entries were checked."""
    erased = _tombstoned()
    head_seq, head_hash = _head()
    last_seq, last_hash, checked, reported = 0, "", 0, 0
    digests: dict[str, dict[str, tuple[int, str]]] = {}
    pending = 0
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(_STREAM, {"head_seq": head_seq, "head_hash": head_hash})
        while rows := cursor.fetchmany(batch_size):
            for seq, prev_seq, rank, link_ok, hash_ok, head_ok, columns_ok, end, *change in rows:
                problem = _row_problem(
                    seq, prev_seq, link_ok, hash_ok, head_ok, columns_ok, head_seq
                )
                if problem is not None:
                    # Digests of earlier entries first: the first break is the one reported.
                    found = _verify_history(digests, erased, rank - 1)
                    return found or VerifyResult(False, rank - 1, problem, seq)
                label, history_id, digest = change
                if label is not None:
                    digests.setdefault(label, {})[history_id] = (seq, digest)
                    pending += 1
                last_seq, last_hash, checked = seq, end, rank
            if pending >= batch_size:
                if found := _verify_history(digests, erased, checked):
                    return found
                digests, pending = {}, 0
            if progress:
                progress(checked - reported)
                reported = checked
        if found := _verify_history(digests, erased, checked):
            return found
    if last_seq < head_seq:
        return VerifyResult(False, checked, f"entries after {last_seq} removed", head_seq)
    head_seq, head_hash = _head()
    if last_seq > head_seq or (last_seq == head_seq and last_hash != head_hash):
        return VerifyResult(
            False, checked, f"entries after {head_seq} are not in the head", head_seq + 1
        )
    return VerifyResult(True, checked, unsealed=unsealed_count())


def _row_problem(seq, prev_seq, link_ok, hash_ok, head_ok, columns_ok, head_seq) -> str | None:
    """What is wrong with one entry PostgreSQL sent back, in the order the checks matter."""
    if seq != prev_seq + 1:
        what = "removed" if seq > prev_seq + 1 else "inserted"
        return f"entry {prev_seq + 1} {what} (found {seq})"
    if not link_ok:
        return "link to the previous entry broken"
    if not hash_ok:
        return "content altered (hash mismatch)"
    if not head_ok:
        return f"entry {seq} is not the one the head sealed"
    if not columns_ok and not _columns_match(seq):
        return "columns altered (they differ from the hash)"
    return None


def _verify_history(digests, erased, checked) -> VerifyResult | None:
    """The history digests of a stretch of the chain: one query per history model, no
    model instances (the digest is over the history row's own columns as stored, decrypted,
    and the base record's id is one of them, so neither the history row's ``instance``,
    a query each, nor the row as a model is ever built). The earliest break is reported."""
    first: VerifyResult | None = None
    for label, by_id in digests.items():
        model = apps.get_model(label)
        base = model.instance_type._meta.label
        base_pk = model.instance_type._meta.pk.attname
        # One array parameter, not one parameter per id.
        ids = RawSQL(  # noqa: S611 - the type from the model; the ids are a parameter
            f"SELECT unnest(%s::{model._meta.pk.cast_db_type(connection)}[])", [list(by_id)]
        )
        present = {str(values[model._meta.pk.attname]): values for values in _rows(model, ids)}
        base_erased = any(key[0] == base for key in erased)
        for history_id, (seq, digest) in by_id.items():
            if first is not None and seq > first.seq:
                continue
            values = present.get(history_id)
            if values is None:
                if not base_erased:
                    first = VerifyResult(
                        False, checked, f"history row {label} {history_id} removed", seq
                    )
            elif base_erased and (base, str(values[base_pk])) in erased:
                continue
            elif (
                _digest(values) != digest
                and history_digest(model.objects.get(pk=history_id)) != digest
            ):
                first = VerifyResult(
                    False, checked, f"history row {label} {history_id} altered", seq
                )
    return first


def _digest(values: dict) -> str:
    """``history_digest`` of a history row's values read as a dict."""
    return hashlib.sha256(canonical(values).encode()).hexdigest()


def _rows(model, ids):
    """The history rows' values as ``history_digest`` sees them (decrypted), as plain dicts.
    Times come as text and are parsed in C: the adapter Django installs for them is
    Python and was the largest cost of a verification. A row whose digest differs is read
    again as a model before it is called altered, so a difference of formatting here is
    never taken for tampering."""
    stamps = [f.attname for f in model._meta.concrete_fields if isinstance(f, DateTimeField)]
    others = [f.attname for f in model._meta.concrete_fields if f.attname not in stamps]
    texts = {
        f"iso_{name}": Func(F(name), template=_ISO, output_field=TextField()) for name in stamps
    }
    for values in model.objects.filter(pk__in=ids).values(*others, **texts):
        for name in stamps:
            text = values.pop(f"iso_{name}")
            values[name] = None if text is None else _parse(text).replace(tzinfo=UTC)
        yield values


_ISO = """to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""
_parse = datetime.fromisoformat
