"""Helpers that more than one test module uses. Test modules import from here (or from
``tests.factories``), never from one another or from a conftest."""

import re
import threading
import time
from contextlib import contextmanager
from html.parser import HTMLParser
from importlib import import_module
from urllib.parse import urldefrag, urljoin, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connection, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.middleware import SESSION_RENEWED
from partners.middleware import SESSION_STARTED

# Every test user's password (``UserFactory``), for signing in through the real pages.
PASSWORD = "correct horse battery staple"


def url_names(patterns=None, namespace=""):
    """Every named URL of the project, with its namespaces (``api:case-detail``)."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from url_names(pattern.url_patterns, inner)
        elif pattern.name:
            yield namespace + pattern.name


class VerifiedClient(Client):
    """``force_login`` that also passes the second factor, as a real sign-in would.

    The session is written as signing in leaves it (the user, the backend, the password's
    hash, the verified device, the session's clocks: ``partners.middleware``), in one save.
    Django's own ``force_login`` goes through ``login()``: a session made and then cycled
    to a new key, and ``last_login`` saved with its history row and change event, about a
    tenth of a second a call, a few hundred times a run. Signing in itself is tested
    through the sign-in pages (tests/partners, tests/browser/test_sign_in.py)."""

    def force_login(self, user, backend=None):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = backend or self._get_backend()
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session[SESSION_STARTED] = session[SESSION_RENEWED] = time.time()
        session.save()
        self.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        self.cookies[settings.SESSION_COOKIE_NAME].update(
            {"path": "/", "domain": settings.SESSION_COOKIE_DOMAIN or "", "max-age": ""}
        )


@contextmanager
def built_once_per_module(django_db_blocker, build):
    """For a module-scoped fixture: ``build()`` runs once, in a transaction left open while
    the module's tests run. Each test's own transaction is a savepoint inside it, so every
    test meets the records exactly as built (whatever an earlier test changed was undone),
    and the transaction is rolled back after the module's last test."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        # A test's scaffolding, as Django's TestCase marks its class-wide transaction: the
        # audit trail writes its events as if each block inside committed
        # (audit.database), rather than holding them for a commit that never comes.
        outer._from_testcase = True
        outer.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def current_code(device) -> str:
    """The code the user's authenticator app shows now."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def date_parts(name: str, day) -> dict:
    """What a GOV.UK date input posts: day, month and year in three boxes."""
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


# A crawl that has not finished by then has found an unbounded set of addresses, which is
# itself a fault worth seeing.
PAGE_LIMIT = 400
NOT_PAGES = ("/assets/", "/static/", "/api/schema/", "/api/docs/")


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)
        if tag in {"script", "style"}:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def raw_codes() -> set[str]:
    """Every stored code of every choice in the project's models that people would not
    say: ``u18_prevention``, ``criminal_exploitation``, ``accepted_for_panel``."""
    codes = set()
    for model in apps.get_models():
        if model._meta.app_label not in {
            "partners",
            "referrals",
            "cases",
            "interventions",
            "audit",
        }:
            continue
        for field in model._meta.get_fields():
            field = getattr(field, "base_field", field)
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and "_" in value and value != label:
                    codes.add(value)
    return codes


def code_finder() -> re.Pattern:
    """Finds raw codes in text; a code with its underscores cut out ("Paneldiscussion") is
    still a code."""
    codes = raw_codes()
    spellings = codes | {code.replace("_", "") for code in codes}
    return re.compile(r"\b(" + "|".join(map(re.escape, sorted(spellings))) + r")\b", re.IGNORECASE)


def crawl(client, start="/"):
    """Breadth first over same-site links; returns {address: (status, linked from, content
    type)} and the raw codes seen in each page's visible text."""
    code_pattern = code_finder()
    seen = {start: None}
    queue = [start]
    results, shown_codes = {}, {}
    while queue:
        assert len(results) < PAGE_LIMIT, f"more than {PAGE_LIMIT} pages: {sorted(results)}"
        address = queue.pop(0)
        response = client.get(address)
        results[address] = (response.status_code, seen[address], response.get("Content-Type", ""))
        found = []
        if response.status_code in (301, 302):
            found = [response["Location"]]
        elif response.status_code == 200 and "html" in response.get("Content-Type", ""):
            parser = Links()
            parser.feed(response.content.decode())
            found = parser.hrefs
            codes_here = sorted(set(code_pattern.findall(" ".join(parser.text))))
            if codes_here:
                shown_codes[address] = codes_here
        for href in found:
            target = urldefrag(urljoin(address, href)).url
            parts = urlsplit(target)
            if parts.netloc not in ("", "testserver") or parts.scheme not in ("", "http"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local.startswith(NOT_PAGES) or local in seen:
                continue
            seen[local] = address
            queue.append(local)
    return results, shown_codes


def tamper(sql, params=()):
    """As the database owner, with the audit trail's append-only trigger set aside."""
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred; settle them so the table can be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


# procrastinate's tables are not Django's to flush (its models are unmanaged), so a test
# whose jobs commit empties them itself (the ``queue`` fixture).
QUEUE_TABLES = (
    "procrastinate_periodic_defers",
    "procrastinate_events",
    "procrastinate_jobs",
    "procrastinate_workers",
)


def empty_queue() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(QUEUE_TABLES)}")


def run_worker() -> None:
    """A real worker, in the test: it runs every job that is due, then stops.

    On its own psycopg connector, as ``manage.py procrastinate worker`` runs it (Django's
    connection hands JSON back as text, which procrastinate's job fetching does not
    expect); in a thread of its own, since a browser test's event loop may be running in
    this one; and without the routine's schedule, so it runs the jobs the test queued
    whatever the clock says."""
    from procrastinate.contrib.django import app

    failures = []

    def work():
        registry = app.periodic_registry
        schedule, registry.periodic_tasks = registry.periodic_tasks, {}
        try:
            with app.replace_connector(app.connector.get_worker_connector()):
                app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)
        except Exception as error:
            failures.append(error)
        finally:
            registry.periodic_tasks = schedule

    worker = threading.Thread(target=work, name="procrastinate-worker")
    worker.start()
    worker.join()
    if failures:
        raise failures[0]


_SCHEMA: dict = {}
_OPERATIONS: list = []


def api_schema() -> dict:
    """The OpenAPI schema as /api/schema/ serves it, generated once per test process."""
    if not _SCHEMA:
        from drf_spectacular.settings import spectacular_settings

        generator = spectacular_settings.DEFAULT_GENERATOR_CLASS()
        _SCHEMA.update(generator.get_schema(request=None, public=True))
    return _SCHEMA


def schema_operation(method: str, path: str) -> tuple[str, dict]:
    """The schema's path template and operation for a request (method and concrete path)."""
    if not _OPERATIONS:
        for template, item in api_schema()["paths"].items():
            # The schema's paths have no trailing slash; the server answers either form.
            pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template))
            pattern = re.compile(f"^{pattern}/?$")
            for operation_method, operation in item.items():
                _OPERATIONS.append((pattern, operation_method, template, operation))
    for pattern, operation_method, template, operation in _OPERATIONS:
        if operation_method == method.lower() and pattern.match(path):
            return template, operation
    raise AssertionError(f"{method} {path} is not in the schema")


def documented_statuses(method: str, path: str) -> set[str]:
    """The statuses the OpenAPI schema documents for this request (method and concrete path),
    for tests that compare what the server answered with what the schema promises."""
    return set(schema_operation(method, path)[1]["responses"])
