"""Stored Idempotency-Key answers are pruned by api's own command, not by retention."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from api.models import IdempotencyRecord


def stored_answer(user, key, *, age):
    record = IdempotencyRecord.objects.create(
        user=user, key=key, fingerprint="f" * 64, status_code=201, body="{}"
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)
    return record


@pytest.mark.django_db
def test_the_command_deletes_answers_older_than_a_day_and_keeps_recent_ones(school_caseworker):
    old = stored_answer(school_caseworker, "old", age=datetime.timedelta(hours=25))
    recent = stored_answer(school_caseworker, "recent", age=datetime.timedelta(hours=23))
    out = StringIO()

    call_command("prune_idempotency_records", stdout=out)

    assert "Deleted 1 idempotency records" in out.getvalue()
    assert not IdempotencyRecord.objects.filter(pk=old.pk).exists()
    assert IdempotencyRecord.objects.filter(pk=recent.pk).exists()


@pytest.mark.django_db
def test_retention_no_longer_prunes_them(school_caseworker):
    old = stored_answer(school_caseworker, "old", age=datetime.timedelta(days=3))

    call_command("apply_retention", stdout=StringIO())

    assert IdempotencyRecord.objects.filter(pk=old.pk).exists()
