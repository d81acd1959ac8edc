"""``Idempotency-Key`` support: a retried POST gets the first answer and changes nothing.

The key row is inserted in the same transaction as the write it guards. A concurrent
request with the same key waits on the row's unique index until the first commits, then
replays its answer; if the first fails, its key row rolls back with it and the retry runs.
"""

import datetime
import hashlib
import json
from functools import wraps

from django.db import connection, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.models import IdempotencyRecord
from api.routing import canonical_path
from core.errors import ConflictError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# A retry comes within minutes; a request a day later is a new request.
KEEP_RECORDS_FOR = datetime.timedelta(days=1)


def _fingerprint(request) -> str:
    """What a retry repeats: the method, the address (in either slash form, api.routing) and
    the body as sent. The IETF draft (draft-ietf-httpapi-idempotency-key-header, "Idempotency
    Fingerprint") has the server derive it from the request payload, a checksum of the
    entire payload being its first example; the bytes, not their parsed form, because
    parsing is the handler's, after its ``require(...)``: a refused caller sending a key
    and malformed JSON hears the refusal, not a parse error."""
    digest = hashlib.sha256(f"{request.method} {canonical_path(request.path)}\n".encode())
    digest.update(_payload(request))
    return digest.hexdigest()


def _payload(request) -> bytes:
    django_request = request._request
    if django_request._read_started and not hasattr(django_request, "_body"):
        # A form body, which Django's CSRF check parsed from the stream while a session
        # authenticated (api.authentication): the bytes are gone, and Django's parsed
        # fields stand for them. Not DRF's ``request.data``: the API takes JSON, and its
        # 415 for a form is the handler's to give, after its ``require(...)``.
        return json.dumps(sorted(django_request.POST.lists())).encode()
    # Django keeps the bytes; DRF then parses a copy of them (a BytesIO over ``body``).
    return django_request.body


def idempotent(handler):
    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationError(
                {HEADER: [f"Must be {MAX_KEY_LENGTH} characters or fewer"]}, code="max_length"
            )
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            record, created = _claim(request.user, key, fingerprint)
            if not created:
                if record.fingerprint != fingerprint:
                    raise ConflictError(
                        "This Idempotency-Key was already used for a different request"
                    )
                replay = Response(json.loads(record.body), status=record.status_code)
                replay[REPLAYED_HEADER] = "true"
                return replay
            response = handler(view, request, *args, **kwargs)
            record.status_code = response.status_code
            record.body = json.dumps(response.data, default=str)
            record.save(update_fields=["status_code", "body"])
            return response

    wrapper.idempotent = True  # read by api.schema to document the header and the replay
    return wrapper


def _claim(user, key: str, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    """The key's record, and whether this request created it. One INSERT … ON CONFLICT DO
    NOTHING where ``get_or_create`` made four round trips (a SELECT, then the INSERT in a
    savepoint): PostgreSQL makes a concurrent insert of the same key wait for the first
    transaction, then either inserts (the first rolled back) or does nothing (it committed),
    so the second request replays the first's answer as before."""
    now = timezone.now()
    table = IdempotencyRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, key, fingerprint, body, created_at) "  # noqa: S608 - the model's table
            "VALUES (%s, %s, %s, '', %s) ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
            [user.pk, key, fingerprint, now],
        )
        inserted = cursor.fetchone()
    if inserted is not None:
        record = IdempotencyRecord(
            id=inserted[0], user=user, key=key, fingerprint=fingerprint, body="", created_at=now
        )
        return record, True
    return IdempotencyRecord.objects.get(user=user, key=key), False


def prune_idempotency_records(*, now: datetime.datetime | None = None) -> int:
    """Delete stored answers older than a day: they can hold personal data, and a retry a day
    later is not a retry. Returns how many went."""
    cutoff = (now or timezone.now()) - KEEP_RECORDS_FOR
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
