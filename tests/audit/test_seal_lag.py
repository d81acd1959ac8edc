"""The sealing lag measurement: the production sealer behind concurrent writers."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.chain import seal, verify_chain
from audit.management.commands.audit_seal_lag import PROBE
from audit.models import AuditEvent


@pytest.mark.django_db(transaction=True)
def test_the_lag_is_measured_while_the_sealer_seals_what_the_writers_append():
    out = StringIO()
    call_command(
        "audit_seal_lag", "--writers", "2", "--seconds", "3", "--per-insert", "5", stdout=out
    )
    printed = out.getvalue()
    found = re.search(r"worst ([\d.]+) s, p95 ([\d.]+) s, median ([\d.]+) s", printed)
    assert found, printed
    worst, p95, median = map(float, found.groups())
    assert worst >= p95 >= median >= 0
    written = AuditEvent.objects.filter(object_type=PROBE).count()
    assert re.search(rf"{written:,} events in", printed)
    # The sealer ran on this database: it sealed probes while they were written.
    assert AuditEvent.objects.filter(object_type=PROBE, seq__isnull=False).exists()
    seal()
    assert verify_chain().ok


def test_nonsense_numbers_are_refused():
    with pytest.raises(CommandError, match="must be positive"):
        call_command("audit_seal_lag", "--writers", "0")
