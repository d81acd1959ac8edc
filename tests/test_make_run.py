"""`make run` on the embedded PostgreSQL, stopped with SIGTERM, leaves nothing running and
nothing that breaks the next command: the tests then run on the same embedded server.

It runs the README's command as a new developer would (no ``DATABASE_URL``), in a data
directory of its own, with the interpreter running this test (installing is not what is
tested: ``-o install``)."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 600  # a fresh cluster, every migration and the demo data, on a busy machine
# A test that needs the database, run afterwards on the embedded server.
AFTERWARDS = [
    "tests/core/test_embedded_db.py",
    "tests/test_role_navigation.py::test_someone_without_a_role_gets_no_sections",
]


CLONE = """
import sys
from pathlib import Path

import psycopg

from config.embedded_db import embedded_database_url

url = embedded_database_url(Path(sys.argv[1]))
with psycopg.connect(url, dbname="postgres", autocommit=True) as connection:
    connection.execute(f"CREATE DATABASE test_{sys.argv[2]} TEMPLATE {sys.argv[2]}")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own server)
            return response.status == 200
    except OSError:
        return False


def embedded_server(var_dir: Path) -> psutil.Process | None:
    postmaster = var_dir / "postgres" / "postmaster.pid"
    if not postmaster.exists():
        return None
    try:
        return psutil.Process(int(postmaster.read_text().split()[0]))
    except (psutil.NoSuchProcess, ValueError, IndexError):
        return None


def environment(var_dir: Path) -> dict:
    # As a new developer's shell would be: no database of their own, and nothing from the
    # pytest (or `make test`) running this.
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
        and not name.startswith(("PYTEST_", "DJANGO_"))
    }
    return env | {"VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def var_dir(tmp_path):
    var = tmp_path / "var"
    yield var
    # The embedded server outlives commands by design; this one's data goes with the test.
    server = embedded_server(var)
    if server is not None:
        server.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
        server.wait(30)
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_make_run_stops_cleanly_on_sigterm_and_the_tests_then_pass(var_dir, tmp_path):
    if shutil.which("make") is None:
        pytest.fail("make is needed: it is the README's way in")
    port = free_port()
    log = tmp_path / "make-run.log"
    with log.open("w") as output:
        make = subprocess.Popen(
            ["make", "-o", "install", "run", f"VENV={sys.prefix}", f"PORT={port}"],
            cwd=ROOT,
            env=environment(var_dir),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not (
            answers(f"http://127.0.0.1:{port}/sign-in/") and "Starting worker" in log.read_text()
        ):
            assert make.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(1)
        children = psutil.Process(make.pid).children(recursive=True)
        names = " ".join(" ".join(child.cmdline()) for child in children)
        assert "runserver" in names
        assert "procrastinate worker" in names

        make.send_signal(signal.SIGTERM)
        make.wait(60)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)

    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], f"left running: {alive}"
    text = log.read_text()
    assert "SIGTERM received" in text
    assert "Stopped worker" in text
    # The embedded server stays up for the next command, as it does between commands.
    server = embedded_server(var_dir)
    assert server is not None
    assert server.is_running()

    # The next command: tests on the same embedded server, in a copy of what `make run`
    # migrated (a fresh test database would migrate everything a second time).
    from config.embedded_db import DATABASE_NAME

    clone = subprocess.run(
        [sys.executable, "-c", CLONE, str(var_dir), DATABASE_NAME],
        cwd=ROOT,
        env=environment(var_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert clone.returncode == 0, clone.stderr[-3000:]
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", *AFTERWARDS, "-n", "0", "-p", "no:randomly", "-q"],
        cwd=ROOT,
        env=environment(var_dir),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert " passed" in tests.stdout
