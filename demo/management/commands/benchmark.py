"""How fast the service answers at scale: a generated partnership on its own database, the
reporting store rebuilt, and requests through gunicorn with production settings.

    python manage.py benchmark --people 200000 [--requests 200] [--threads 4] [--keep]

Steps, each timed: create the database ``svp_benchmark`` (``--database``) on DATABASE_URL's
server (never the service's own database: refused), migrate, generate the partnership
(``demo.scale``), rebuild the figures (``figures.store.rebuild``; if it fails, the report
says so and the generated people are folded in with ``refresh_stale``), start gunicorn (two
workers, DEBUG off, the same keys) on a free local port, then send ``--requests`` requests
from ``--threads`` client threads to each endpoint: a bare Django view (one indexed SELECT:
the floor every request pays), the API's referral list as a coordinator, and each figure set
as an analyst, through the API and as a web page. Queries per request are counted by making
one request in this process. The server is stopped at the end, and the database dropped
unless ``--keep`` (a kept database holding enough people is used again without generating).

The client threads share the machine's cores with the server, as a load test on one host
does: the numbers compare endpoints with each other (and with the bare view) more than they
say what a separate client would see.
"""

import base64
import http.client
import importlib
import itertools
import json
import logging
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches
from tqdm import tqdm

FIGURE_SETS = ("referrals", "funnel", "timeliness", "interventions", "outcomes", "sharing", "duty")
DEFAULT_DATABASE = "svp_benchmark"


class Command(BaseCommand):
    help = "Generate a partnership at scale on its own database and measure the service on it."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, required=True)
        parser.add_argument("--requests", type=int, default=200, help="Requests per endpoint")
        parser.add_argument("--threads", type=int, default=4, help="Client threads")
        parser.add_argument(
            "--max-seconds",
            type=float,
            default=60.0,
            help="Stop sending to an endpoint after this long (a slow one is measured on fewer)",
        )
        parser.add_argument("--keep", action="store_true", help="Keep the database afterwards")
        parser.add_argument("--database", default=DEFAULT_DATABASE)
        parser.add_argument("--months", type=int, default=36)
        parser.add_argument("--referrals-per-person", type=float, default=2.0)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options):
        self.options = options
        name = options["database"]
        default = connections["default"].settings_dict
        if name == default["NAME"]:
            raise CommandError("The benchmark never runs on the service's own database")
        self.server_settings = {**default, "NAME": name}
        timings = {}
        reused = self._prepare_database(name, options)
        try:
            counts, generation, rows = self._run(name, reused, options, timings)
        finally:
            connections["default"].close()
            if not options["keep"]:
                self._drop(name)
        self._report(counts, generation, timings, rows)

    def _run(self, name, reused, options, timings):
        self._use(name)
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        timings["migrate"] = time.perf_counter() - started
        from demo import scale
        from referrals.models import Person, Referral

        if reused:
            self.stdout.write(f"Using the kept database {name} ({Person.objects.count()} people)")
            generation = None
        else:
            with tqdm(
                total=options["people"], unit="people", desc="generate", file=self.stderr._out
            ) as bar:
                generation = scale.generate_partnership(
                    people=options["people"],
                    referrals_per_person=options["referrals_per_person"],
                    months=options["months"],
                    seed=options["seed"],
                    progress=bar.update,
                    check_foreign_keys=False,
                )
            timings["generate"] = generation.seconds
        started = time.perf_counter()
        self._analyze()
        timings["analyze"] = time.perf_counter() - started
        from figures import store

        started = time.perf_counter()
        self.rebuild_failure = ""
        try:
            with tqdm(
                total=store.people_count(), unit="people", desc="rebuild", file=self.stderr._out
            ) as bar:
                store.rebuild(progress=bar.update)
        except DatabaseError as exc:
            # Said in the report; the people the generator marked are folded in instead, a
            # batch per transaction, as refresh_figures does.
            self.rebuild_failure = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            timings["failed rebuild"] = time.perf_counter() - started
            started = time.perf_counter()
            store.refresh_stale()
        timings["rebuild"] = time.perf_counter() - started
        counts = {"people": Person.objects.count(), "referrals": Referral.objects.count()}
        rows = self._measure(scale)
        return counts, generation, rows

    # --- The database ------------------------------------------------------------------

    def _admin(self):
        s = self.server_settings
        return psycopg.connect(
            dbname="postgres",
            host=s.get("HOST") or None,
            port=s.get("PORT") or None,
            user=s.get("USER") or None,
            password=s.get("PASSWORD") or None,
            autocommit=True,
        )

    def _prepare_database(self, name, options) -> bool:
        """Create the database; True when a kept one already holds enough people."""
        with self._admin() as admin:
            exists = admin.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
        if exists and options["keep"] and self._people_in(name) >= options["people"]:
            return True
        if exists:
            self._drop(name)
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return False

    def _people_in(self, name) -> int:
        s = self.server_settings
        try:
            with psycopg.connect(
                dbname=name,
                host=s.get("HOST") or None,
                port=s.get("PORT") or None,
                user=s.get("USER") or None,
                password=s.get("PASSWORD") or None,
            ) as conn:
                return conn.execute("SELECT count(*) FROM referrals_person").fetchone()[0]
        except psycopg.Error:
            return 0

    def _drop(self, name):
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _use(self, name):
        connection = connections["default"]
        connection.close()
        connection.settings_dict["NAME"] = name

    def _analyze(self):
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")

    def _database_url(self) -> str:
        s = self.server_settings
        user = urllib.parse.quote(s.get("USER") or "")
        password = s.get("PASSWORD")
        credentials = f"{user}:{urllib.parse.quote(password)}@" if password else f"{user}@"
        host = s.get("HOST") or "127.0.0.1"
        port = s.get("PORT") or 5432
        return f"postgres://{credentials}{host}:{port}/{s['NAME']}"

    # --- The server ----------------------------------------------------------------------

    def _server_environment(self) -> dict:
        def key(raw: bytes) -> str:
            return base64.urlsafe_b64encode(raw).decode()

        return {
            **os.environ,
            "DATABASE_URL": self._database_url(),
            "DEBUG": "0",
            # The same secrets as this process: it sealed the data and signs the session.
            "SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": ",".join(key(k) for k in settings.FIELD_ENCRYPTION_KEYS),
            "BLIND_INDEX_KEY": key(settings.BLIND_INDEX_KEY),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # As behind the TLS proxy production runs behind (the client says https).
            "BEHIND_TLS_PROXY": "1",
            # No collectstatic here: templates name the files without the manifest's hashes.
            "STATIC_MANIFEST": "0",
            # The only departure from production: the per-user API throttle would stop a
            # benchmark after 1,200 requests.
            "API_THROTTLE_USER": "1000000000/hour",
            "BENCHMARK_BARE_VIEW": "1",
            "LOG_LEVEL": "WARNING",
            # Whitenoise's note that nothing was collected: no static file is measured.
            "PYTHONWARNINGS": "ignore:No directory at",
        }

    def _start_server(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
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
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ],
            cwd=settings.BASE_DIR,
            env=self._server_environment(),
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise CommandError("gunicorn stopped while starting")
            try:
                if _get(port, "/benchmark/bare/", {})[0] == 200:
                    return process, port
            except OSError:
                pass
            time.sleep(0.5)
        _stop(process)
        raise CommandError("gunicorn did not answer within 90 seconds")

    # --- Measuring -----------------------------------------------------------------------

    def _accounts(self, scale):
        """The coordinator and the analyst, with fresh passwords to sign in with; and the
        analyst's web session, past its second factor as signing in would leave it."""
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from partners.middleware import SESSION_STARTED
        from partners.models import User

        passwords = {}
        for who in ("coordinator", "analyst"):
            user = User.objects.get(username=scale._username(who))
            passwords[user.username] = secrets.token_urlsafe(24)
            user.set_password(passwords[user.username])
            user.save(update_fields=["password"])
        analyst = User.objects.get(username=scale._username("analyst"))
        device = TOTPDevice.objects.create(user=analyst, name="Benchmark", confirmed=True)
        session = SessionStore()
        session[SESSION_KEY] = str(analyst.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = analyst.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[SESSION_STARTED] = time.time()
        session.save()
        return passwords, session.session_key

    def _sign_in(self, port, scale, passwords) -> dict:
        """An API token for each, as a client gets one: POST /api/v1/auth/token/."""
        tokens = {}
        for who in ("coordinator", "analyst"):
            username = scale._username(who)
            body = json.dumps({"username": username, "password": passwords[username]})
            status, response = _request(
                port,
                "POST",
                "/api/v1/auth/token/",
                {"Content-Type": "application/json"},
                body=body,
            )
            if status != 201:
                raise CommandError(f"Signing in as the {who} failed ({status})")
            tokens[who] = json.loads(response.body)["token"]
        return tokens

    def _endpoints(self, tokens, session_key):
        def api(who):
            return {"Authorization": f"Token {tokens[who]}"}

        web = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"}
        endpoints = [
            ("bare view", "/benchmark/bare/", {}),
            ("API referral list (coordinator)", "/api/v1/referrals/", api("coordinator")),
        ]
        endpoints += [
            (f"API figures {key} (analyst)", f"/api/v1/figures/{key}/", api("analyst"))
            for key in FIGURE_SETS
        ]
        endpoints.append(("page figures home (analyst)", "/figures/", web))
        endpoints += [
            (f"page figures {key} (analyst)", f"/figures/{key}/", web) for key in FIGURE_SETS
        ]
        return endpoints

    def _measure(self, scale):
        passwords, session_key = self._accounts(scale)
        process, port = self._start_server()
        rows = []
        try:
            tokens = self._sign_in(port, scale, passwords)
            endpoints = self._endpoints(tokens, session_key)
            for label, path, headers in endpoints:
                status = _get(port, path, headers)[0]
                if status != 200:
                    rows.append((label, None, None, None, f"not available ({status})", None))
                    continue
                for _ in range(3):  # warm both workers
                    _get(port, path, headers)
                rate, p50, p95, statuses = _load(
                    port,
                    path,
                    headers,
                    self.options["requests"],
                    self.options["threads"],
                    self.options["max_seconds"],
                )
                problem = "" if set(statuses) == {200} else f"answers {dict(statuses)}"
                sent = sum(statuses.values())
                if sent < self.options["requests"]:
                    seconds = self.options["max_seconds"]
                    problem = f"{problem} only {sent} requests in {seconds:.0f} s".strip()
                rows.append((label, rate, p50, p95, problem, self._queries(path, headers)))
        finally:
            _stop(process)
        return rows

    def _queries(self, path, headers):
        """Queries one request makes, counted in this process on the same database."""
        from django.db import connection

        meta = {}
        if "Authorization" in headers:
            meta["HTTP_AUTHORIZATION"] = headers["Authorization"]
        client = Client(raise_request_exception=False)
        if "Cookie" in headers:
            client.cookies[settings.SESSION_COOKIE_NAME] = headers["Cookie"].split("=", 1)[1]
        # A page that fails is reported as not available, not logged with its traceback.
        quiet = logging.getLogger("django.request")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)
        with override_settings(
            ALLOWED_HOSTS=["testserver"], BENCHMARK_BARE_VIEW=True, SECURE_SSL_REDIRECT=False
        ):
            _reload_urls()
            client.get(path, **meta)  # the first may fold in or warm caches
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, **meta)
        _reload_urls()
        quiet.setLevel(level)
        return len(captured.captured_queries) if response.status_code == 200 else None

    # --- The report ----------------------------------------------------------------------

    def _report(self, counts, generation, timings, rows):
        out = self.stdout.write
        out("")
        out(f"People: {counts['people']:,}; referrals: {counts['referrals']:,}")
        if generation is not None:
            out(
                f"Generated in {generation.seconds:,.1f} s: {generation.rate:,.0f} people/s "
                f"({sum(generation.rows.values()):,} rows)"
            )
        if self.rebuild_failure:
            out(
                f"rebuild_figures FAILED after {timings['failed rebuild']:,.1f} s "
                f"({self.rebuild_failure}); folded in with refresh_stale instead:"
            )
        out(
            f"Migrate {timings['migrate']:.1f} s; analyze {timings['analyze']:.1f} s; "
            f"{'refresh' if self.rebuild_failure else 'rebuild'}_figures "
            f"{timings['rebuild']:,.1f} s ({counts['people'] / timings['rebuild']:,.0f} people/s)"
        )
        bare = next((r[1] for r in rows if r[0] == "bare view" and r[1]), None)
        out(
            f"{self.options['requests']} requests per endpoint from "
            f"{self.options['threads']} threads; gunicorn, 2 workers, DEBUG off"
        )
        header = f"{'endpoint':44}" + "".join(
            f" {title:>8}" for title in ("req/s", "p50 ms", "p95 ms", "of bare", "queries")
        )
        out(header)
        out("-" * len(header))
        for label, rate, p50, p95, problem, queries in rows:
            if rate is None:
                out(f"{label:44} {problem}")
                continue
            share = f"{100 * rate / bare:.0f}%" if bare else "-"
            q = "-" if queries is None else str(queries)
            line = f"{label:44} {rate:8.1f} {p50:8.1f} {p95:8.1f} {share:>8} {q:>8}"
            out(line + (f"  {problem}" if problem else ""))


def _reload_urls():
    # The URLconf routes the bare view only under its setting, decided when it is imported.
    clear_url_caches()
    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))


def _request(port, method, path, headers, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(
            method,
            path,
            body=body,
            headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https", **headers},
        )
        response = connection.getresponse()
        response.body = response.read()
        return response.status, response
    finally:
        connection.close()


def _get(port, path, headers):
    return _request(port, "GET", path, headers)


def _load(port, path, headers, requests, threads, max_seconds):
    """``requests`` GETs shared by ``threads`` threads (fewer if ``max_seconds`` pass first):
    requests/s, p50 and p95 in ms, and the statuses answered."""
    taken = itertools.count()
    deadline = time.perf_counter() + max_seconds
    latencies: list[float] = []
    statuses: Counter = Counter()

    def worker():
        while next(taken) < requests and time.perf_counter() < deadline:
            started = time.perf_counter()
            status = _get(port, path, headers)[0]
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return len(latencies) / elapsed, 1000 * statistics.median(ordered), 1000 * p95, statuses


def _stop(process):
    """Stop gunicorn as its own signal asks: TERM lets the workers finish their requests."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
