"""The audit chain's sequencer: seal what is waiting, or keep sealing (``--follow``)."""

import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, InterfaceError, connection

from audit.chain import SEAL_BATCH, seal


class Command(BaseCommand):
    help = (
        "Seal the audit events waiting for the chain, oldest first. With --follow, keep "
        "sealing until SIGTERM or SIGINT (the Procfile's sealer process)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--follow", action="store_true", help="keep sealing until stopped")
        parser.add_argument(
            "--interval", type=float, default=0.5, help="seconds between looks when idle"
        )
        parser.add_argument("--batch", type=int, default=SEAL_BATCH, help="events per commit")

    def handle(self, *args, follow=False, interval=0.5, batch=SEAL_BATCH, **options):
        if not follow:
            started = time.monotonic()
            sealed = seal(batch=batch)
            elapsed = time.monotonic() - started
            rate = f" ({sealed / elapsed:,.0f} events/s)" if sealed and elapsed else ""
            self.stdout.write(f"Sealed {sealed} audit events in {elapsed:.2f} s{rate}")
            return
        stopping = threading.Event()

        def stop(signum, frame):
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"Sealing the audit chain every {interval} s until stopped")
        total = 0
        while not stopping.is_set():
            try:
                # A bounded run per look, so a stop request is heard between runs (a run
                # killed outright only rolls back its last batch).
                sealed = seal(max_rows=batch * 20, batch=batch)
            except (DatabaseError, InterfaceError) as error:
                # The database restarting or a connection lost: start afresh, not die.
                self.stderr.write(f"Sealing failed ({type(error).__name__}); retrying")
                connection.close()
                stopping.wait(max(interval, 2.0))
                continue
            total += sealed
            if sealed < batch * 20:
                stopping.wait(interval)
        connection.close()
        self.stdout.write(f"Stopped after sealing {total} audit events")
