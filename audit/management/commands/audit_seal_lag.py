"""How long an appended event waits for the sequencer, under concurrent writers.

Runs the sealer as production does (``audit_seal --follow``, the Procfile's ``sealer:``) as
a separate process on the same database, writes events from ``--writers`` threads (one
multi-row INSERT each time, as a request's ``AuditMiddleware`` does) and samples the age of
the oldest unsealed event. It writes real events (``object_type`` "seal lag probe") into
the chain: run it on a scratch or benchmark database, not on live records.
"""

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from audit.models import AuditEvent, EventKind
from audit.recorder import build_event
from core.actors import SYSTEM

PROBE = "seal lag probe"


def _database_url() -> str:
    """This connection's database as a URL, so the sealer works on the same one (a test
    database included)."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{db['HOST'] or 'localhost'}{port}/{db['NAME']}"


def _oldest_unsealed_age() -> float | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT extract(epoch FROM clock_timestamp() - min(occurred_at))"
            " FROM audit_auditevent WHERE seq IS NULL"
        )
        age = cursor.fetchone()[0]
    return None if age is None else float(age)


class Command(BaseCommand):
    help = (
        "Measure the worst sealing lag: writers append events while audit_seal --follow "
        "runs; prints the worst, p95 and median age of the oldest unsealed event."
    )

    def add_arguments(self, parser):
        parser.add_argument("--writers", type=int, default=4, help="writer threads")
        parser.add_argument("--seconds", type=float, default=60, help="how long to write")
        parser.add_argument("--per-insert", type=int, default=20, help="events per INSERT")
        parser.add_argument("--sample", type=float, default=0.25, help="seconds between samples")

    def handle(self, *args, writers, seconds, per_insert, sample, **options):
        if writers < 1 or seconds <= 0 or per_insert < 1 or sample <= 0:
            raise CommandError("--writers, --seconds, --per-insert and --sample must be positive")
        sealer = subprocess.Popen(  # noqa: S603 - this interpreter and this project's manage.py
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "audit_seal", "--follow"],
            env=os.environ | {"DATABASE_URL": _database_url()},
            stdout=subprocess.PIPE,
            text=True,
        )
        # Its first line says it has started: the writers start then, not while Django loads.
        if not sealer.stdout.readline():
            raise CommandError(f"The sealer did not start (exit status {sealer.wait()})")
        stop = threading.Event()
        written = [0] * writers
        failures: list[BaseException] = []

        def write(n):
            try:
                while not stop.is_set():
                    AuditEvent.objects.bulk_create(
                        build_event(
                            kind=EventKind.ACCESS, user=SYSTEM, action="view", object_type=PROBE
                        )
                        for _ in range(per_insert)
                    )
                    written[n] += per_insert
            except BaseException as error:  # reported after the run, not lost in a thread
                failures.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
        lags: list[float] = []
        try:
            for thread in threads:
                thread.start()
            started = time.monotonic()
            while time.monotonic() - started < seconds and not failures:
                time.sleep(sample)
                lags.append(_oldest_unsealed_age() or 0.0)
            elapsed = time.monotonic() - started
        finally:
            stop.set()
            for thread in threads:
                thread.join()
            # The sealer stops cleanly on SIGTERM after its current batch.
            sealer.terminate()
            sealer.wait(timeout=60)
        if failures:
            raise CommandError(f"A writer failed: {failures[0]!r}")
        total = sum(written)
        worst = max(lags, default=0.0)
        p95 = statistics.quantiles(lags, n=20, method="inclusive")[-1] if len(lags) >= 2 else worst
        median = statistics.median(lags) if lags else 0.0
        self.stdout.write(
            f"{writers} writers, {per_insert} events per INSERT: {total:,} events in "
            f"{elapsed:.1f} s ({total / elapsed:,.0f} events/s); {len(lags)} samples of the "
            f"oldest unsealed event's age\n"
            f"sealing lag: worst {worst:.2f} s, p95 {p95:.2f} s, median {median:.2f} s"
        )
