"""History digests into the chain, and walking the chain to verify it."""

import hashlib
import json
from dataclasses import dataclass

from django.apps import apps
from django.db import transaction

from audit.models import AuditEvent, ChainHead, EventKind
from audit.recorder import build_event, canonical, emit, event_fields


def history_digest(historical) -> str:
    """A digest of a history row's values (decrypted, so key rotation leaves it valid)."""
    values = {f.attname: f.value_from_object(historical) for f in historical._meta.concrete_fields}
    return hashlib.sha256(canonical(values).encode()).hexdigest()


def on_history_row(sender, history_instance, **kwargs):
    """Every history row gets a digest in the chain, once its transaction commits."""
    model = history_instance.instance_type._meta.label
    user = getattr(history_instance, "history_user", None)

    def write():
        emit(
            [
                build_event(
                    kind=EventKind.CHANGE,
                    user=user,
                    action=history_instance.history_type,
                    object_type=model,
                    object_id=history_instance.instance.pk,
                    details={
                        "history_model": history_instance._meta.label,
                        "history_id": history_instance.pk,
                        "digest": history_digest(history_instance),
                    },
                )
            ]
        )

    transaction.on_commit(write)


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None


def _tombstoned() -> set[tuple[str, str]]:
    erased: set[tuple[str, str]] = set()
    for content in AuditEvent.objects.filter(kind=EventKind.TOMBSTONE).values_list(
        "content", flat=True
    ):
        details = json.loads(content).get("details", {})
        for label, ids in details.get("erased", {}).items():
            erased.update((label, str(pk)) for pk in ids)
    return erased


def verify_chain(*, progress=None, batch_size: int = 2000) -> VerifyResult:
    """Walk the chain in order and report the first entry altered, removed or inserted."""
    previous_hash, expected_seq, checked = "", 1, 0
    digests: dict[str, dict[int, tuple[int, str]]] = {}
    events = AuditEvent.objects.order_by("seq").values_list(
        "seq",
        "content",
        "prev_hash",
        "hash",
        *[
            name
            for name in (
                "kind",
                "occurred_at",
                "user_id",
                "organisation_id",
                "role",
                "action",
                "object_type",
                "object_id",
                "person_id",
                "channel",
                "ip_address",
                "purpose",
                "recipient_organisation_id",
                "data_categories",
                "basis",
            )
        ],
    )
    for row in events.iterator(chunk_size=batch_size):
        seq, content, prev_hash, stored_hash = row[:4]
        if seq is None or seq != expected_seq:
            what = "removed" if seq and seq > expected_seq else "inserted"
            return VerifyResult(False, checked, f"entry {expected_seq} {what} (found {seq})", seq)
        if prev_hash != previous_hash:
            return VerifyResult(False, checked, "link to the previous entry broken", seq)
        recomputed = hashlib.sha256(f"{prev_hash}|{seq}|{content}".encode()).hexdigest()
        if recomputed != stored_hash:
            return VerifyResult(False, checked, "content altered (hash mismatch)", seq)
        payload = json.loads(content)
        columns = AuditEvent(
            kind=row[4],
            occurred_at=row[5],
            user_id=row[6],
            organisation_id=row[7],
            role=row[8],
            action=row[9],
            object_type=row[10],
            object_id=row[11],
            person_id=row[12],
            channel=row[13],
            ip_address=row[14],
            purpose=row[15],
            recipient_organisation_id=row[16],
            data_categories=row[17],
            basis=row[18],
        )
        if {k: payload.get(k) for k in event_fields(columns)} != json.loads(
            canonical(event_fields(columns))
        ):
            return VerifyResult(False, checked, "columns altered (they differ from the hash)", seq)
        if row[4] == EventKind.CHANGE:
            details = payload["details"]
            digests.setdefault(details["history_model"], {})[details["history_id"]] = (
                seq,
                details["digest"],
            )
        previous_hash, expected_seq, checked = stored_hash, expected_seq + 1, checked + 1
        if progress:
            progress(1)
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (expected_seq - 1, previous_hash):
        return VerifyResult(False, checked, f"entries after {expected_seq - 1} removed", head.seq)
    return _verify_history(digests, checked)


def _verify_history(digests, checked) -> VerifyResult:
    erased = _tombstoned()
    for label, by_id in digests.items():
        model = apps.get_model(label)
        base = model.instance_type._meta.label
        present = {row.pk: row for row in model.objects.filter(pk__in=list(by_id))}
        for history_id, (seq, digest) in sorted(by_id.items(), key=lambda item: item[1][0]):
            row = present.get(history_id)
            if row is None:
                if any(key[0] == base for key in erased):
                    continue
                return VerifyResult(
                    False, checked, f"history row {label} {history_id} removed", seq
                )
            if (base, str(row.instance.pk)) in erased:
                continue
            if history_digest(row) != digest:
                return VerifyResult(
                    False, checked, f"history row {label} {history_id} altered", seq
                )
    return VerifyResult(True, checked)
