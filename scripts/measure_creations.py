"""Referral creations per second through gunicorn (2 workers, DEBUG off), as the benchmark
serves: each request is POST /api/v1/referrals/ with a new person and an Idempotency-Key.

    DATABASE_URL=... SECRET_KEY=... FIELD_ENCRYPTION_KEYS=... BLIND_INDEX_KEY=... \\
        python scripts/measure_creations.py --username school-caseworker --password ... \\
        [--requests 400] [--threads 4] [--checkout /path/to/another/checkout]

The database must hold the demo partnership (``seed_demo --password ...``). ``--checkout``
serves another checkout's code on the same database, to compare before and after.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path


def request(port, method, path, headers, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(
            method,
            path,
            body=body,
            headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https", **headers},
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def start(checkout: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BEHIND_TLS_PROXY": "1",
        "STATIC_MANIFEST": "0",
        "API_THROTTLE_USER": "1000000000/hour",
        "API_THROTTLE_SIGN_IN": "1000/minute",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore:No directory at",
    }
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=checkout,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/api/v1/", {})[0] < 500:
                return process, port
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def body():
    return json.dumps(
        {
            "pathway": "u18_prevention",
            "area": "durham",
            "incident_date": "2026-06-01",
            "incident_place": "Outside the school gates",
            "narrative": "Threatened a pupil with a blade after school.",
            "risk_factors": ["knife_carrying"],
            "risk_level": "medium",
            "new_person": {
                "given_name": "Measure",
                "family_name": f"Person{uuid.uuid4().hex[:12]}",
                "date_of_birth": "2011-03-04",
                "gender": "male",
                "postcode": "DH1 3NP",
            },
        }
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--username", default="school-caseworker")
    parser.add_argument("--password", required=True)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--checkout", default=str(Path(__file__).resolve().parent.parent))
    parser.add_argument("--get", default="", help="Measure GETs of this path instead")
    args = parser.parse_args()
    process, port = start(Path(args.checkout))
    try:
        status, raw = request(
            port,
            "POST",
            "/api/v1/auth/token/",
            {"Content-Type": "application/json"},
            json.dumps({"username": args.username, "password": args.password}),
        )
        if status != 201:
            raise SystemExit(f"sign-in failed: {status} {raw[:200]!r}")
        headers = {
            "Authorization": f"Token {json.loads(raw)['token']}",
            "Content-Type": "application/json",
        }

        def send(headers):
            if args.get:
                return request(port, "GET", args.get, headers)
            return request(port, "POST", "/api/v1/referrals/", headers, body())

        for _ in range(4):  # warm both workers
            send(headers)
        latencies, statuses = [], {}
        taken = iter(range(args.requests))
        lock = threading.Lock()

        def worker():
            while True:
                with lock:
                    if next(taken, None) is None:
                        return
                sent = {**headers, "Idempotency-Key": uuid.uuid4().hex}
                started = time.perf_counter()
                status, _ = send(sent)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1

        pool = [threading.Thread(target=worker) for _ in range(args.threads)]
        started = time.perf_counter()
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - started
        ordered = sorted(latencies)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(
            f"{len(latencies)} {'GETs' if args.get else 'creations'} in {elapsed:.1f} s: "
            f"{len(latencies) / elapsed:.1f}/s, "
            f"p50 {1000 * statistics.median(ordered):.1f} ms, p95 {1000 * p95:.1f} ms, "
            f"statuses {statuses}"
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
