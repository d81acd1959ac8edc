"""How fast the service answers at scale: a generated partnership on its own database, the
reporting store rebuilt, and requests through gunicorn with production settings.

    python manage.py benchmark --people 2000 --keep --database svp_bench_2k --save base.json
    python manage.py benchmark --people 1000000 --keep --baseline base.json [--figures]
        [--only referral-list,case-list] [--requests 200] [--threads 4] [--samples 20]
        [--rounds 3]

Steps, each timed: create the database ``svp_benchmark`` (``--database``) on DATABASE_URL's
server (never the service's own database: refused), migrate, generate the partnership
(``demo.scale``, with its audit trail sealed onto the chain unless ``--no-audit-events``),
rebuild the figures (``figures.store.rebuild``; if it fails, the report says so and the
generated people are folded in with ``refresh_stale``; a kept database only has what later
runs changed folded in), start gunicorn (two workers, DEBUG
off, the same keys) on a free local port, then send ``--requests`` requests from
``--threads`` client threads to each endpoint, split into ``--rounds`` rounds taken
round-robin, each endpoint's turn between two short turns of a bare Django view (one indexed
SELECT: the floor every request pays): the referral list as a coordinator, with
and without filters, a referral, the case list, a case, its timeline, the next Durham
panel's agenda, the IG audit search by person and by user, a person match by NHS number, the
web case page, and referral creation (POST: valid, each of someone new; only 201s count,
others are reported as errors); with ``--figures``, each figure set through the API and as a
page. Each endpoint asks for ``--samples`` different records, picked at random from those its
caller may see, in turn. Queries per request are counted by making one request in this
process. An endpoint's share of the bare view is the median over its turns of its rate
against the bare turns beside it: the bare rate drifts with the machine's other load (by up
to a factor of two between runs on a shared host), and the report prints its spread.
``--only`` picks endpoints by key (the bare view always runs); ``--save`` writes the
results as JSON and ``--baseline`` prints each endpoint's p95 against a saved run's (the
issue's "p95 at 1,000,000 people is at most 1.5 times its p95 at 2,000"). The server is
stopped at the end, and the database dropped unless ``--keep`` (a kept database holding
enough people is used again without generating).

The client threads share the machine's cores with the server, as a load test on one host
does: the numbers compare endpoints with each other (and with the bare view) more than they
say what a separate client would see.
"""

import argparse
import base64
import datetime
import http.client
import importlib
import itertools
import json
import logging
import os
import random
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
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches
from django.utils import timezone
from tqdm import tqdm

FIGURE_SETS = ("referrals", "funnel", "timeliness", "interventions", "outcomes", "sharing", "duty")
DEFAULT_DATABASE = "svp_benchmark"


class Command(BaseCommand):
    # Set by a run: the figures of a kept database were only brought up to date.
    refreshed_only = False
    help = "Generate a partnership at scale on its own database and measure the service on it."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, required=True)
        parser.add_argument("--requests", type=int, default=200, help="Requests per endpoint")
        parser.add_argument("--threads", type=int, default=4, help="Client threads")
        parser.add_argument(
            "--rounds",
            type=int,
            default=3,
            help="Rounds each endpoint's requests are split into, each between two short "
            "rounds of the bare view (its share is against the bare rate measured beside it)",
        )
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
        parser.add_argument(
            "--audit-events",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Generate the people's audit trail, sealed onto the chain (about 10 a person)",
        )
        parser.add_argument(
            "--samples", type=int, default=20, help="Different records asked for per endpoint"
        )
        parser.add_argument(
            "--figures", action="store_true", help="Measure every figure set and page too"
        )
        parser.add_argument(
            "--only", default="", help="Comma-separated endpoint keys (the bare view always runs)"
        )
        parser.add_argument("--save", default="", help="Write the results to this JSON file")
        parser.add_argument(
            "--baseline",
            default="",
            help="A saved run (--save) to print each endpoint's p95 against",
        )

    def handle(self, *args, **options):
        self.options = options
        if options["baseline"]:
            try:
                self._baseline()
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"--baseline {options['baseline']}: {exc}") from exc
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
                    audit=options["audit_events"],
                )
            timings["generate"] = generation.seconds
        started = time.perf_counter()
        self._analyze()
        timings["analyze"] = time.perf_counter() - started
        from figures import store

        started = time.perf_counter()
        self.rebuild_failure = ""
        self.refreshed_only = reused
        try:
            if reused:
                # A kept database was rebuilt when it was generated: folding in only what
                # later runs changed (the referrals they posted) takes seconds, not minutes.
                store.refresh_stale()
            else:
                self._rebuild(store)
        except DatabaseError as exc:
            # Said in the report; the people the generator marked are folded in instead, a
            # batch per transaction, as refresh_figures does.
            self.rebuild_failure = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            timings["failed rebuild"] = time.perf_counter() - started
            started = time.perf_counter()
            store.refresh_stale()
        timings["rebuild"] = time.perf_counter() - started
        from audit.models import AuditEvent

        counts = {
            "people": Person.objects.count(),
            "referrals": Referral.objects.count(),
            "audit events": AuditEvent.objects.count(),
        }
        rows = self._measure(scale)
        return counts, generation, rows

    def _rebuild(self, store):
        with tqdm(
            total=store.people_count(), unit="people", desc="rebuild", file=self.stderr._out
        ) as bar:
            store.rebuild(progress=bar.update)

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

    def _web_session(self, user) -> str:
        """A web session for ``user``, past its second factor as signing in would leave it."""
        from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
        from django.contrib.sessions.backends.db import SessionStore
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from partners.middleware import SESSION_STARTED

        device = TOTPDevice.objects.filter(user=user, name="Benchmark").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="Benchmark", confirmed=True)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[SESSION_STARTED] = time.time()
        session.save()
        return session.session_key

    def _accounts(self, scale):
        """The users each endpoint is asked as, with fresh passwords to sign in with, and
        the web sessions of the analyst (figures pages) and the coordinator (case page)."""
        from partners.models import User

        passwords, users = {}, {}
        for who, parts in ACCOUNTS.items():
            user = User.objects.get(username=scale._username(*parts))
            users[who] = user
            passwords[who] = secrets.token_urlsafe(24)
            user.set_password(passwords[who])
            user.save(update_fields=["password"])
        sessions = {who: self._web_session(users[who]) for who in ("analyst", "coordinator")}
        return users, passwords, sessions

    def _sign_in(self, port, scale, passwords) -> dict:
        """An API token for each, as a client gets one: POST /api/v1/auth/token."""
        tokens = {}
        for who, parts in ACCOUNTS.items():
            body = json.dumps({"username": scale._username(*parts), "password": passwords[who]})
            status, response = _request(
                port,
                "POST",
                "/api/v1/auth/token",
                {"Content-Type": "application/json"},
                body=body,
            )
            if status != 201:
                raise CommandError(f"Signing in as the {who} failed ({status})")
            tokens[who] = json.loads(response.body)["token"]
        return tokens

    def _samples(self, users, scale) -> dict:
        """Records to ask for, picked at random from what each caller may see, several per
        endpoint, so a request is not answered from one hot row."""
        from cases.selectors import cases_visible_to
        from partners.models import User
        from referrals.models import Person
        from referrals.selectors import referrals_visible_to

        n = self.options["samples"]
        coordinator, referrer = users["coordinator"], users["referrer"]
        referrals = list(
            referrals_visible_to(coordinator).order_by("?").values_list("pk", flat=True)[:n]
        )
        cases = list(cases_visible_to(coordinator).order_by("?").values_list("pk", flat=True)[:n])
        # People the police officer's organisation recorded, with an NHS number to match by
        # (decrypted here: the index is keyed, the number is what a caseworker types).
        people = Person.objects.filter(created_by_organisation__in=referrer_organisations(referrer))
        nhs_numbers = [
            p.nhs_number for p in people.exclude(nhs_number_index="").order_by("?")[: n * 3]
        ][:n]
        # Anyone referred (the IG search is across every organisation), and anyone who
        # acts on referrals (referrers, the coordinator, the panels): each has a trail.
        audited_people = list(Person.objects.order_by("?").values_list("pk", flat=True)[:n])
        acting = list(
            User.objects.filter(
                username__startswith=scale.CODE_PREFIX,
                memberships__role__in=ACTING_ROLES,
            ).values_list("pk", flat=True)
        )
        acting = sorted(set(acting))
        audited_users = random.Random(self.options["seed"]).sample(acting, min(n, len(acting)))  # noqa: S311
        return {
            "referrals": [str(pk) for pk in referrals],
            "cases": [str(pk) for pk in cases],
            "nhs_numbers": nhs_numbers,
            "audited_people": [str(pk) for pk in audited_people],
            "audited_users": audited_users,
            "meeting": str(self._busy_meeting(users, scale)),
        }

    def _busy_meeting(self, users, scale):
        """Durham's next panel, arranged if there is none: its agenda is every referral of the
        area accepted for panel, the longest agenda the data holds."""
        from cases.models import MeetingStatus, PanelMeeting
        from cases.services import meeting_create
        from partners.models import Area, User

        upcoming = (
            PanelMeeting.objects.filter(area=Area.DURHAM)
            .exclude(status=MeetingStatus.CLOSED)
            .order_by("-meets_at")
            .first()
        )
        if upcoming is not None:
            return upcoming.pk
        chair = User.objects.get(username=scale._username("chair", Area.DURHAM))
        return meeting_create(
            actor=users["coordinator"],
            area=Area.DURHAM,
            meets_at=timezone.now() + datetime.timedelta(days=7),
            chair=chair,
            members=[],
        ).pk

    def _endpoints(self, tokens, sessions, samples) -> list["Endpoint"]:
        def api(who):
            return {"Authorization": f"Token {tokens[who]}"}

        def web(who):
            return {"Cookie": f"{settings.SESSION_COOKIE_NAME}={sessions[who]}"}

        def each(template, values):
            return [template.format(v) for v in values] or [template.format("none")]

        filters = [
            "status=submitted&pathway=u18_prevention",
            "status=accepted_for_panel&pathway=adult_18_35",
            "status=case_opened&pathway=da_knife_repeat",
            "status=declined&pathway=nte_alcohol",
        ]
        s = samples
        endpoints = [
            Endpoint("bare", "bare view", {}, ["/benchmark/bare/"]),
            Endpoint(
                "referral-list",
                "referral list (coordinator)",
                api("coordinator"),
                ["/api/v1/referrals"],
            ),
            Endpoint(
                "referral-list-filtered",
                "referral list, status+pathway",
                api("coordinator"),
                [f"/api/v1/referrals?{f}" for f in filters],
            ),
            Endpoint(
                "referral-detail",
                "referral detail",
                api("coordinator"),
                each("/api/v1/referrals/{}", s["referrals"]),
            ),
            Endpoint("case-list", "case list", api("coordinator"), ["/api/v1/cases"]),
            Endpoint(
                "case-detail",
                "case detail",
                api("coordinator"),
                each("/api/v1/cases/{}", s["cases"]),
            ),
            Endpoint(
                "case-timeline",
                "case timeline",
                api("coordinator"),
                each("/api/v1/cases/{}/timeline", s["cases"]),
            ),
            Endpoint(
                "panel-agenda",
                "panel agenda (next Durham panel)",
                api("coordinator"),
                [f"/api/v1/panels/{s['meeting']}/agenda"],
            ),
            Endpoint(
                "audit-person",
                "IG audit search by person",
                api("ig_officer"),
                each("/api/v1/audit/events?person_id={}", s["audited_people"]),
            ),
            Endpoint(
                "audit-user",
                "IG audit search by user",
                api("ig_officer"),
                each("/api/v1/audit/events?user={}", s["audited_users"]),
            ),
            Endpoint(
                "person-match",
                "person match (NHS number)",
                api("referrer"),
                each("/api/v1/people/match?nhs_number={}", s["nhs_numbers"]),
            ),
            Endpoint(
                "web-case",
                "web case page (coordinator)",
                web("coordinator"),
                each("/cases/{}/", s["cases"]),
            ),
            Endpoint(
                "referral-create",
                "create referral (POST, 201s)",
                {**api("referrer"), "Content-Type": "application/json"},
                ["/api/v1/referrals"],
                method="POST",
                body=_new_referral,
                ok=201,
            ),
        ]
        if self.options["figures"]:
            endpoints += [
                Endpoint(
                    f"figures-api-{key}",
                    f"API figures {key} (analyst)",
                    api("analyst"),
                    [f"/api/v1/figures/{key}"],
                    group="figures",
                )
                for key in FIGURE_SETS
            ]
            endpoints.append(
                Endpoint(
                    "figures-page-home",
                    "page figures home (analyst)",
                    web("analyst"),
                    ["/figures/"],
                    group="figures",
                )
            )
            endpoints += [
                Endpoint(
                    f"figures-page-{key}",
                    f"page figures {key} (analyst)",
                    web("analyst"),
                    [f"/figures/{key}/"],
                    group="figures",
                )
                for key in FIGURE_SETS
            ]
        only = self.options["only"]
        if only:
            wanted = {key.strip() for key in only.split(",") if key.strip()} | {"bare"}
            unknown = wanted - {e.key for e in endpoints}
            if unknown:
                known = ", ".join(e.key for e in endpoints)
                raise CommandError(f"--only: unknown {', '.join(sorted(unknown))} (known: {known})")
            endpoints = [e for e in endpoints if e.key in wanted]
        return endpoints

    def _measure(self, scale) -> list[dict]:
        users, passwords, sessions = self._accounts(scale)
        samples = self._samples(users, scale)
        process, port = self._start_server()
        try:
            tokens = self._sign_in(port, scale, passwords)
            endpoints = self._endpoints(tokens, sessions, samples)
            rows = self._measure_rounds(port, endpoints)
        finally:
            _stop(process)
        return rows

    def _measure_rounds(self, port, endpoints: list["Endpoint"]) -> list[dict]:
        """Every endpoint's requests in ``--rounds`` rounds, round-robin, each endpoint's
        turn between two short turns of the bare view: bare, e1, bare, e2, bare, ..., e1,
        bare, ... The bare view's rate drifts with what else the machine does (by up to a
        factor of two between runs on a shared host), so each turn's share is its rate over
        the mean of the two bare turns beside it, and an endpoint's share is the median of
        its turns'. The bare row's rate is the median of its turns, its spread printed."""
        options = self.options
        rounds = max(1, options["rounds"])
        bare = next(e for e in endpoints if e.key == "bare")
        rows, turns = {}, {}
        for endpoint in endpoints:
            row = {"key": endpoint.key, "label": endpoint.label, "group": endpoint.group}
            status = endpoint.send(port, 0)
            if status != endpoint.ok:
                rows[endpoint.key] = row | {"problem": f"not available ({status})"}
                continue
            for n in range(1, 4):  # warm both workers
                endpoint.send(port, n)
            rows[endpoint.key] = row
            turns[endpoint.key] = []
        if "bare" not in turns:
            return [rows[e.key] for e in endpoints]
        measured = [e for e in endpoints if e.key in turns and e.key != "bare"]
        per_round = [
            options["requests"] // rounds + (1 if r < options["requests"] % rounds else 0)
            for r in range(rounds)
        ]
        seconds = options["max_seconds"] / rounds
        sent = Counter()  # requests sent to each endpoint so far: the next path and body

        def turn(endpoint, requests):
            load = _load(endpoint, port, requests, options["threads"], seconds, sent[endpoint.key])
            sent[endpoint.key] += load.sent
            turns[endpoint.key].append(load)
            return load

        bare_requests = max(per_round[0], 1)
        before = turn(bare, bare_requests)
        for r in range(rounds):
            for endpoint in measured:
                if per_round[r] == 0:
                    continue
                load = turn(endpoint, per_round[r])
                after = turn(bare, bare_requests)
                beside = (before.rate + after.rate) / 2
                load.share = load.rate / beside if beside else None
                before = after
        for endpoint in endpoints:
            if endpoint.key in turns:
                rows[endpoint.key] |= self._summary(endpoint, turns[endpoint.key])
        return [rows[e.key] for e in endpoints]

    def _summary(self, endpoint: "Endpoint", loads: list["Load"]) -> dict:
        options = self.options
        statuses = sum((load.statuses for load in loads), Counter())
        latencies = sorted(t for load in loads for t in load.latencies)
        elapsed = sum(load.elapsed for load in loads)
        rates = [load.rate for load in loads]
        shares = [load.share for load in loads if load.share is not None]
        if endpoint.key == "bare":
            rate, share = statistics.median(rates), 1.0
        else:
            rate = statuses[endpoint.ok] / elapsed if elapsed else 0.0
            share = statistics.median(shares) if shares else None
        problems = []
        wrong = {code: count for code, count in statuses.items() if code != endpoint.ok}
        sent = sum(statuses.values())
        if wrong:
            problems.append(f"errors {wrong} of {sent}")
        if endpoint.key != "bare" and sent < options["requests"]:
            problems.append(f"only {sent} requests in {options['max_seconds']:.0f} s")
        if not latencies:
            return {"problem": "; ".join(problems) or "no answers"}
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        return {
            "rate": rate,
            "p50": 1000 * statistics.median(latencies),
            "p95": 1000 * p95,
            "sent": sent,
            "problem": "; ".join(problems),
            "queries": self._queries(endpoint),
            # Added with --rounds: the share of the bare rate (median of the turns, each
            # against the bare turns beside it) and each turn's rate (and share).
            "share": share,
            "rates": rates,
            "shares": shares,
        }

    def _queries(self, endpoint: "Endpoint"):
        """Queries one request makes, counted in this process on the same database."""
        from django.db import connection

        headers = endpoint.headers
        meta = {}
        if "Authorization" in headers:
            meta["HTTP_AUTHORIZATION"] = headers["Authorization"]
        client = Client(raise_request_exception=False)
        if "Cookie" in headers:
            client.cookies[settings.SESSION_COOKIE_NAME] = headers["Cookie"].split("=", 1)[1]

        def send(n):
            path = endpoint.paths[n % len(endpoint.paths)]
            if endpoint.method == "POST":
                return client.post(
                    path, data=endpoint.body(n), content_type="application/json", **meta
                )
            return client.get(path, **meta)

        # A page that fails is reported as not available, not logged with its traceback.
        quiet = logging.getLogger("django.request")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL)
        with override_settings(
            ALLOWED_HOSTS=["testserver"], BENCHMARK_BARE_VIEW=True, SECURE_SSL_REDIRECT=False
        ):
            _reload_urls()
            send(10**6)  # the first may fold in or warm caches
            with CaptureQueriesContext(connection) as captured:
                response = send(10**6 + 1)
        _reload_urls()
        quiet.setLevel(level)
        return len(captured.captured_queries) if response.status_code == endpoint.ok else None

    # --- The report ----------------------------------------------------------------------

    def _report(self, counts, generation, timings, rows):
        out = self.stdout.write
        out("")
        out(
            f"People: {counts['people']:,}; referrals: {counts['referrals']:,}; "
            f"audit events: {counts['audit events']:,}"
        )
        if generation is not None:
            events = generation.rows.get("audit events", 0)
            out(
                f"Generated in {generation.seconds:,.1f} s: {generation.rate:,.0f} people/s, "
                f"{events / generation.seconds:,.0f} audit events/s "
                f"({sum(generation.rows.values()):,} rows; {events:,} audit events)"
            )
        if self.rebuild_failure:
            out(
                f"rebuild_figures FAILED after {timings['failed rebuild']:,.1f} s "
                f"({self.rebuild_failure}); folded in with refresh_stale instead:"
            )
        out(
            f"Migrate {timings['migrate']:.1f} s; analyze {timings['analyze']:.1f} s; "
            f"{'refresh' if self.rebuild_failure or self.refreshed_only else 'rebuild'}_figures "
            f"{timings['rebuild']:,.1f} s ({counts['people'] / timings['rebuild']:,.0f} people/s)"
        )
        baseline = self._baseline()
        bare_row = next((r for r in rows if r["key"] == "bare" and r.get("rate")), {})
        bare = bare_row.get("rate")
        rounds = self.options.get("rounds", 1)
        out(
            f"{self.options['requests']} requests per endpoint from "
            f"{self.options['threads']} threads in {rounds} round(s), each endpoint's turn "
            f"between two of the bare view's; gunicorn, 2 workers, DEBUG off"
            + (f"; p95 against {self.options['baseline']}" if baseline else "")
        )
        if len(bare_row.get("rates", [])) > 1:
            rates = bare_row["rates"]
            low, high = min(rates), max(rates)
            out(
                f"Bare view over {len(rates)} turns: median {bare:.1f} req/s, "
                f"{low:.1f} to {high:.1f} ({100 * (high - low) / bare:.0f}% of the median); "
                f"each share is against the bare turns beside it"
            )
        titles = ["req/s", "p50 ms", "p95 ms", "of bare", "share range", "queries"]
        if baseline:
            titles.append("p95 vs base")
        header = f"{'endpoint':36}" + "".join(f" {title:>11}" for title in titles)
        out(header)
        out("-" * len(header))
        for row in rows:
            if row.get("rate") is None:
                out(f"{row['label']:36} {row['problem']}")
                continue
            share = row.get("share")
            if share is None and bare:  # a run saved before --rounds
                share = row["rate"] / bare
            shares = row.get("shares") or []
            spread = (
                f"{100 * min(shares):.1f}-{100 * max(shares):.1f}"
                if len(shares) > 1 and row["key"] != "bare"
                else "-"
            )
            queries = "-" if row["queries"] is None else str(row["queries"])
            cells = [
                f"{row['rate']:.1f}",
                f"{row['p50']:.1f}",
                f"{row['p95']:.1f}",
                "-" if share is None else f"{100 * share:.1f}%",
                spread,
                queries,
            ]
            if baseline:
                base = baseline.get(row["key"], {})
                cells.append(f"{row['p95'] / base['p95']:.2f}" if base.get("p95") else "-")
            line = f"{row['label']:36}" + "".join(f" {cell:>11}" for cell in cells)
            out(line + (f"  {row['problem']}" if row["problem"] else ""))
        if self.options["save"]:
            self._save(counts, generation, timings, rows)
            out(f"Saved to {self.options['save']}")

    def _baseline(self) -> dict:
        path = self.options["baseline"]
        if not path:
            return {}
        with open(path) as saved:
            return {row["key"]: row for row in json.load(saved)["rows"]}

    def _save(self, counts, generation, timings, rows):
        report = {
            "measured_at": timezone.now().isoformat(),
            "counts": counts,
            "requests": self.options["requests"],
            "threads": self.options["threads"],
            "rounds": self.options.get("rounds", 1),
            "timings": timings,
            "generation": None
            if generation is None
            else {
                "seconds": generation.seconds,
                "people_per_second": generation.rate,
                "rows": dict(generation.rows),
            },
            "rows": rows,
        }
        with open(self.options["save"], "w") as out:
            json.dump(report, out, indent=2)


# Whose trail the IG search asks for: the roles that act on referrals.
ACTING_ROLES = ("referrer", "coordinator", "panel_chair", "panel_member")
# Who asks: (scale's username parts) for each caller.
ACCOUNTS = {
    "coordinator": ("coordinator",),
    "analyst": ("analyst",),
    "ig_officer": ("ig-officer",),
    # A police officer in Durham: matches people and makes referrals.
    "referrer": ("police", "durham", "referrer", "1"),
}


def referrer_organisations(user):
    from partners.selectors import active_memberships

    return [m.organisation_id for m in active_memberships(user)]


@dataclass
class Endpoint:
    key: str
    label: str
    headers: dict
    paths: list
    method: str = "GET"
    body: object = None  # n -> the n-th request's body
    ok: int = 200
    group: str = "key"

    def send(self, port, n) -> int:
        path = self.paths[n % len(self.paths)]
        body = self.body(n) if self.body else None
        return _request(port, self.method, path, self.headers, body=body)[0]


_RUN = secrets.token_hex(3)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _new_referral(n: int) -> str:
    """A valid referral of someone new each time (a draft, as a caseworker starts one): a
    distinct name and date of birth, so nobody is a possible duplicate of anybody."""
    name = "".join(_LETTERS[(n // 26**i) % 26] for i in range(5))
    today = datetime.date.today()
    born = today - datetime.timedelta(days=365 * 14 + n % 700)
    return json.dumps(
        {
            "pathway": "u18_prevention",
            "area": "durham",
            "incident_date": (today - datetime.timedelta(days=3)).isoformat(),
            "incident_place": "Outside the school gates",
            "narrative": "Threatened a pupil with a blade after school.",
            "risk_factors": ["knife_carrying"],
            "risk_level": "medium",
            "new_person": {
                "given_name": f"Bench{_RUN}",
                "family_name": f"Loadtest{name.capitalize()}{_RUN}",
                "date_of_birth": born.isoformat(),
                "gender": "male",
            },
        }
    )


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


@dataclass
class Load:
    """One turn of requests to an endpoint."""

    rate: float  # answers with the expected status per second
    elapsed: float
    latencies: list  # seconds
    statuses: Counter
    sent: int
    share: float | None = None  # of the bare turns' rate beside it


def _load(endpoint: Endpoint, port, requests, threads, max_seconds, start=0) -> Load:
    """``requests`` requests shared by ``threads`` threads (fewer if ``max_seconds`` pass
    first), each to the endpoint's next path (and with its next body), from its ``start``-th
    request on (after the four that warmed it)."""
    first = 4 + start
    taken = itertools.count(first)
    deadline = time.perf_counter() + max_seconds
    latencies: list[float] = []
    statuses: Counter = Counter()
    last = first + requests

    def worker():
        while (n := next(taken)) < last and time.perf_counter() < deadline:
            started = time.perf_counter()
            status = endpoint.send(port, n)
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    return Load(
        rate=statuses[endpoint.ok] / elapsed,
        elapsed=elapsed,
        latencies=latencies,
        statuses=statuses,
        sent=sum(statuses.values()),
    )


def _stop(process):
    """Stop gunicorn as its own signal asks: TERM lets the workers finish their requests."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
