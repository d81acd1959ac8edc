"""An optional read replica, used only where a read may lag the primary by a moment.

With ``DATABASE_REPLICA_URL`` set, settings add a ``replica`` database alias, this router and
``ReadYourWritesMiddleware``. The rule is narrow on purpose, so that it is sound without
knowing every caller:

- **Writes, migrations and transactions are the primary's.** ``db_for_write`` is always the
  primary; migrations run only there; a read inside ``transaction.atomic`` stays on the
  primary (it may be about to write what it read, or must see its own uncommitted rows).
- **The replica only inside ``reading_from_replica()``**, which a read-only selector or view
  opts into (today the figure sets' reads, for the API, the pages and the CSV downloads:
  ``figures.selectors.report_for``). Everything else
  reads the primary, whatever the model.
- **Only inside a request, and only until it writes.** The middleware watches the primary's
  connection for INSERT, UPDATE and DELETE (the service's bookkeeping excepted: the
  request's audit events, session, token's last use, sign-in attempts); once the
  request has written anything, every later read in it goes to the primary, so a request
  always sees its own writes. Outside a request (commands, the worker, the sealer) nothing
  is watched, so nothing reads the replica.
- **Read-your-writes across requests** (a form posted, then the page it redirects to): a
  request that wrote sets a short-lived cookie, and for ``REPLICA_PIN_SECONDS`` after it the
  same browser's reads stay on the primary. An API client that keeps no cookies reads the
  replica-marked endpoints (figures) as of the replica's replay point: seconds at most on a
  healthy streaming replica.
- **Who may see what is always asked of the primary.** Users, memberships, sessions, tokens,
  two-factor devices, lockouts and object permissions (``PRIMARY_ONLY_APPS``) are never read
  from the replica, so a membership ended or a token revoked takes effect at once.

To send another read-only list or report to the replica, wrap its selector or view in
``reading_from_replica()`` (or decorate it with ``@replica_reads``) and say so in its
docstring; the rules above keep it correct if it turns out to write.
"""

import functools
import re
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "svp_primary"
# Read from the primary whatever the context: identity, access and what grants it.
PRIMARY_ONLY_APPS = frozenset(
    {
        "auth",
        "contenttypes",
        "sessions",
        "partners",
        "guardian",
        "axes",
        "otp_totp",
        "otp_static",
        "django_otp",
        "authtoken",
        "api",  # API tokens and idempotency records
    }
)
# Written by the service's own bookkeeping as a request comes in or its response leaves (its
# audit events, the session, a token's last use, sign-in attempts): nothing a later read of
# the request must see from the replica (their own tables are read from the primary).
BOOKKEEPING_TABLES = frozenset(
    {
        "audit_auditevent",
        "django_session",
        "api_apitoken",
        "axes_accessattempt",
        "axes_accesslog",
        "axes_accessfailurelog",
    }
)
_WRITE = re.compile(
    r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|COPY|TRUNCATE)\s+"?([A-Za-z0-9_]+)', re.IGNORECASE
)

_state = threading.local()


def replica_alias() -> str | None:
    """The replica's alias when one is configured (``READ_REPLICA_ALIAS``), else None."""
    alias = getattr(settings, "READ_REPLICA_ALIAS", None)
    return alias if alias and alias in connections.settings else None


@contextmanager
def reading_from_replica():
    """Reads inside may go to the replica, within the rules of the module's text."""
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


def replica_reads(view_or_selector):
    """``reading_from_replica()`` around a whole function (a read-only view or selector)."""

    @functools.wraps(view_or_selector)
    def wrapper(*args, **kwargs):
        with reading_from_replica():
            return view_or_selector(*args, **kwargs)

    return wrapper


def _spot_writes(execute, sql, params, many, context):
    found = _WRITE.match(sql)
    if found and found.group(1) not in BOOKKEEPING_TABLES:
        _state.wrote = True
    return execute(sql, params, many, context)


@contextmanager
def watching_writes(*, pinned: bool = False):
    """A request's reads may use the replica until it writes (``pinned``: not at all).
    Yields a function telling whether anything was written meanwhile."""
    _state.watching, _state.wrote, _state.pinned = True, False, pinned
    try:
        with connections[PRIMARY].execute_wrapper(_spot_writes):
            yield lambda: _state.wrote
    finally:
        _state.watching, _state.wrote, _state.pinned = False, False, False


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        replica = replica_alias()
        if (
            replica is None
            or not getattr(_state, "depth", 0)
            or not getattr(_state, "watching", False)
            or _state.wrote
            or _state.pinned
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        return replica

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read from either relates to both.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReadYourWritesMiddleware:
    """Watches each request's writes for the router, and pins a browser that wrote to the
    primary for ``REPLICA_PIN_SECONDS`` (the replica's lag, with room to spare)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if replica_alias() is None:
            return self.get_response(request)
        try:
            pinned = float(request.COOKIES.get(PIN_COOKIE, "0")) > time.time()
        except ValueError:
            pinned = False
        with watching_writes(pinned=pinned) as wrote:
            response = self.get_response(request)
            written = wrote()
        if written:
            seconds = getattr(settings, "REPLICA_PIN_SECONDS", 10)
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.0f}",
                max_age=seconds,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
