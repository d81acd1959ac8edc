"""``Idempotency-Key`` support: a retried POST gets the first answer and changes nothing.

The key row is inserted in the same transaction as the write it guards. A concurrent
request with the same key waits on the row's unique index until the first commits, then
replays its answer; if the first fails, its key row rolls back with it and the retry runs.
"""

import datetime
import hashlib
import json
from functools import wraps

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.models import IdempotencyRecord
from core.errors import ConflictError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# A retry comes within minutes; a request a day later is a new request.
KEEP_RECORDS_FOR = datetime.timedelta(days=1)


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


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
            record, created = IdempotencyRecord.objects.get_or_create(
                user=request.user, key=key, defaults={"fingerprint": fingerprint}
            )
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


def prune_idempotency_records(*, now: datetime.datetime | None = None) -> int:
    """Delete stored answers older than a day: they can hold personal data, and a retry a day
    later is not a retry. Returns how many went."""
    cutoff = (now or timezone.now()) - KEEP_RECORDS_FOR
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
