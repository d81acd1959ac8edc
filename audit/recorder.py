"""Writing audit events: one small function for every read of personal data.

Where an event goes (``emit``), all of it written by ``write_events``, one multi-row INSERT:
- inside a transaction of the application's, with that transaction, as it commits
  (``audit.database``): the event of a change commits with the change or not at all;
- else within a request, with the request's other events, in one INSERT when the response
  leaves (``AuditMiddleware``), so a page costs one audit query however many records it
  shows; a refusal always goes here, since the refused service's transaction rolls back;
- else (commands, tasks) at once.

An INSERT takes no lock shared with other writers: the sequencer (``audit.chain.seal``)
seals the committed rows into the hash chain moments later.
"""

import contextvars
import datetime
import ipaddress
import json
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise

from audit.models import AuditEvent, EventKind
from audit.registry import registry
from core.actors import is_system


@dataclass
class RequestAudit:
    channel: str
    ip_address: str | None
    events: list[AuditEvent] = field(default_factory=list)


_current: contextvars.ContextVar[RequestAudit | None] = contextvars.ContextVar(
    "audit_request", default=None
)


def canonical(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def _acting(user):
    from partners.selectors import active_memberships

    memberships = active_memberships(user) if user is not None else []
    organisation = memberships[0].organisation if memberships else None
    roles = sorted({m.role for m in memberships})
    return organisation, ",".join(roles)[:20]


def build_event(
    *,
    kind: str,
    user,
    action: str,
    object_type: str = "",
    object_id="",
    person_id=None,
    purpose: str = "",
    recipient_organisation=None,
    data_categories: str = "",
    basis: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """An event by ``user``: a person, ``core.actors.SYSTEM`` for the service itself, or None
    for nobody signed in (a lockout). The system and nobody both leave the user column empty;
    the channel ("system" outside a request) and the action tell them apart."""
    if is_system(user):
        user = None
    context = _current.get()
    organisation, roles = _acting(user) if user is not None else (None, "")
    event = AuditEvent(
        kind=kind,
        occurred_at=timezone.now(),
        user=user,
        organisation=organisation,
        role=roles,
        action=action,
        object_type=object_type,
        object_id=str(object_id or "")[:64],
        person_id=person_id,
        channel=context.channel if context else "system",
        ip_address=context.ip_address if context else None,
        purpose=purpose,
        recipient_organisation=recipient_organisation,
        data_categories=data_categories,
        basis=basis,
    )
    event.content = canonical(event_fields(event) | {"details": details or {}})
    return event


def event_fields(event: AuditEvent) -> dict:
    """The columns a chain entry vouches for; audit_verify compares them with ``content``."""
    return {
        "kind": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "user": event.user_id,
        "organisation": event.organisation_id,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "person_id": str(event.person_id) if event.person_id else None,
        "channel": event.channel,
        "ip_address": event.ip_address,
        "purpose": event.purpose,
        "recipient_organisation": event.recipient_organisation_id,
        "data_categories": event.data_categories,
        "basis": event.basis,
    }


def emit(events: list[AuditEvent], *, whatever_the_outcome: bool = False) -> None:
    """Record ``events``: with the current transaction if there is one, so that they
    stand or fall with what it does; ``whatever_the_outcome`` for an event that must
    outlive a rollback (a refusal), which within a request waits for the response."""
    if not events or not getattr(settings, "AUDIT_ENABLED", True):
        return
    connection = connections[router.db_for_write(AuditEvent)]
    if not whatever_the_outcome and in_write_transaction(connection):
        connection.audit_held.extend(events)
        return
    context = _current.get()
    if context is not None:
        context.events.extend(events)
    else:
        write_events(events, connection=connection)


def in_write_transaction(connection) -> bool:
    """Whether ``connection`` is in a transaction whose commit writes held events
    (``audit.database``); a connection of another engine holds none."""
    held_here = getattr(connection, "in_write_transaction", None)
    return held_here is not None and held_here()


def record_access(
    user,
    *,
    action: str,
    object_type: str,
    objects=(),
    person_of=lambda obj: None,
    denied: bool = False,
    purpose: str = "",
    object_id="",
    person_id=None,
) -> None:
    """One event per record shown (or one for a denied attempt), for the IG trail.

    A denied attempt names the person the refused record is about (``person_id``), so IG
    sees it in that person's access history; the refused user is told nothing more."""
    kind = EventKind.DENIED if denied else EventKind.ACCESS
    if denied or not objects:
        emit(
            whatever_the_outcome=denied,
            events=[
                build_event(
                    kind=kind,
                    user=user,
                    action=action,
                    object_type=object_type,
                    object_id=object_id,
                    person_id=person_id,
                    purpose=purpose,
                )
            ],
        )
        return
    emit(
        _each_of(
            build_event(
                kind=kind, user=user, action=action, object_type=object_type, purpose=purpose
            ),
            [(obj.pk, person_of(obj)) for obj in objects],
        )
    )


def _each_of(event: AuditEvent, targets: list) -> list[AuditEvent]:
    """``event`` once for each ``(object_id, person_id)`` in ``targets``, at the same moment:
    a page of 25 records is 25 events, each vouching for its own record, without building
    each from scratch (the acting user's roles, a model's ``__init__``), which cost a list
    more than its query. Each is a copy of the event's attributes, and its content the
    event's canonical text with its own record's two values put in (``_Content``)."""
    content = _Content(event_fields(event))
    base = event.__dict__
    state = event._state
    events = []
    for object_id, person_id in targets:
        one = AuditEvent.__new__(AuditEvent)
        attributes = one.__dict__
        attributes.update(base)
        one_state = attributes["_state"] = ModelState()
        one_state.db, one_state.adding = state.db, state.adding
        one_state.fields_cache = state.fields_cache.copy()
        one.object_id = str(object_id or "")[:64]
        one.person_id = person_id
        one.content = content.of(one.object_id, str(person_id) if person_id else None)
        events.append(one)
    return events


class _Content:
    """``canonical(fields | {"details": {}})`` for many records that differ only in
    ``object_id`` and ``person_id``: the text is made once with a marker for each and the
    record's values (as ``json.dumps`` writes them) put in their place. Markers that do not
    come out exactly once (never, as JSON escapes the NUL they hold) fall back to making
    each text whole."""

    OBJECT, PERSON = "\x00object_id\x00", "\x00person_id\x00"

    def __init__(self, fields: dict):
        self.fields = fields
        text = canonical(
            fields | {"object_id": self.OBJECT, "person_id": self.PERSON, "details": {}}
        )
        object_marker, person_marker = json.dumps(self.OBJECT), json.dumps(self.PERSON)
        once = text.count(object_marker) == 1 and text.count(person_marker) == 1
        head, _, rest = text.partition(object_marker)
        middle, found, tail = rest.partition(person_marker)
        self.parts = (head, middle, tail) if once and found else None

    def of(self, object_id: str, person_id: str | None) -> str:
        if self.parts is None:
            return canonical(
                self.fields | {"object_id": object_id, "person_id": person_id, "details": {}}
            )
        head, middle, tail = self.parts
        return head + json.dumps(object_id) + middle + json.dumps(person_id) + tail


def listed(user, records, *, object_type: str, person_of, limit: int) -> list:
    """The first ``limit`` of ``records``, as a worklist shows them, each recorded as listed
    to ``user``. An empty list records nothing: a worklist with nothing waiting is not
    shown at all."""
    shown = list(records[:limit])
    if shown:
        record_access(
            user, action="list", object_type=object_type, objects=shown, person_of=person_of
        )
    return shown


def record_disclosure(
    user,
    *,
    recipient_organisation,
    person_id,
    object_type,
    object_id,
    data_categories,
    purpose,
    basis,
    details: dict | None = None,
) -> None:
    """A disclosure to ``recipient_organisation``: ``basis`` is the id of the sharing rule
    that permitted it and ``details`` its citations, so the ledger says on what each went."""
    emit(
        [
            build_event(
                kind=EventKind.DISCLOSURE,
                user=user,
                action="disclose",
                object_type=object_type,
                object_id=object_id,
                person_id=person_id,
                purpose=purpose,
                recipient_organisation=recipient_organisation,
                data_categories=data_categories,
                basis=basis,
                details=details,
            )
        ]
    )


def record_end_of_disclosure(
    user,
    *,
    recipient_organisation,
    person_id,
    object_type,
    object_id,
    data_categories,
    purpose,
    reason,
) -> None:
    """The recipient no longer sees what an earlier disclosure gave it (the allocation
    ended, the basis was lost): the ledger shows when each disclosure stopped, and why."""
    emit(
        [
            build_event(
                kind=EventKind.DISCLOSURE,
                user=user,
                action="end_disclosure",
                object_type=object_type,
                object_id=object_id,
                person_id=person_id,
                purpose=purpose,
                recipient_organisation=recipient_organisation,
                data_categories=data_categories,
                details={"reason": reason[:500]},
            )
        ]
    )


def client_ip(request) -> str | None:
    # Behind a proxy the first X-Forwarded-For hop is the client; trust it only if configured.
    if getattr(settings, "BEHIND_TLS_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        token = _current.set(RequestAudit(channel=channel, ip_address=client_ip(request)))
        try:
            return self.get_response(request)
        finally:
            context = _current.get()
            _current.reset(token)
            if context.events and getattr(settings, "AUDIT_ENABLED", True):
                write_events(context.events)


def write_events(events: list[AuditEvent], *, connection=None, then_commit: bool = False) -> None:
    """Events as one INSERT statement, which PostgreSQL makes all-or-nothing by itself:
    ``bulk_create`` would wrap it in BEGIN and COMMIT (two more round trips on every read)
    and ask for the new ids back, which nobody here reads. Inside a transaction the
    statement simply joins it.

    The rows go as one JSON array, unpacked by PostgreSQL in their order: a statement of
    ``%s`` per column and row (475 for a page of 25) is too long for the driver's cache of
    parsed statements, so it was parsed again on every page, and each value adapted one by
    one, at a cost a list noticed; the ORM's bulk form (an array per column) is quoted
    element by element in Python. Each column is cast to its own type, and the INSERT
    checks lengths and constraints as it always did.

    ``then_commit`` (``audit.database`` as a transaction commits) sends its COMMIT after the
    INSERT in the same message: run only if the INSERT succeeds."""
    if connection is None:
        connection = connections[router.db_for_write(AuditEvent)]
    sql, columns = _insert_statement(connection)
    rows = json.dumps(
        [{column: getattr(event, column) for column in columns} for event in events],
        default=_json_value,
        separators=(",", ":"),
    )
    with connection.cursor() as cursor:
        cursor.execute(f"{sql}; COMMIT" if then_commit else sql, [rows])


def _json_value(value):
    """A value JSON has no type for, as its column reads it (and as the ORM would save it:
    a naive time in the default time zone, a lazy text as text)."""
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.isoformat()
    if isinstance(value, uuid.UUID | ipaddress.IPv4Address | ipaddress.IPv6Address | Promise):
        return str(value)
    raise TypeError(f"an audit event's value of type {type(value).__name__}")


_INSERTS: dict = {}


def _insert_statement(connection) -> tuple[str, list[str]]:
    """The INSERT for ``connection`` and the attributes each row's object carries: every
    concrete column but the primary key, each read from the array as text and cast."""
    made = _INSERTS.get(connection.alias)
    if made is None:
        fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        values = ", ".join(
            f"(e.row ->> '{f.attname}')::{_column_type(f, connection)}" for f in fields
        )
        sql = (
            f"INSERT INTO {quote(AuditEvent._meta.db_table)} "  # noqa: S608 - names from the model
            f"({', '.join(quote(f.column) for f in fields)}) "
            f"SELECT {values} FROM json_array_elements(%s::json) WITH ORDINALITY AS e(row, n) "
            f"ORDER BY e.n"
        )
        made = _INSERTS[connection.alias] = (sql, [f.attname for f in fields])
    return made


def _column_type(field, connection) -> str:
    # Text without a length: a value too long is refused by the INSERT, as before, rather
    # than cut short by a cast.
    if field.get_internal_type() in ("CharField", "TextField"):
        return "text"
    return field.db_type(connection)


def record_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    """A lockout is a security event: who was targeted, from where (never the password)."""
    event = build_event(
        kind=EventKind.LOCKOUT,
        user=None,
        action="sign_in_lockout",
        object_type="account",
        object_id=(username or "")[:64],
        details={"ip_address": ip_address},
    )
    event.ip_address = ip_address
    event.content = canonical(event_fields(event) | {"details": {"ip_address": ip_address}})
    event.save()


def record_two_factor_reset(sender, actor, user, reason, **kwargs):
    """An administrator's reset of someone's two factors is a security event, with why."""
    emit(
        [
            build_event(
                kind=EventKind.SECURITY,
                user=actor,
                action="reset_two_factor",
                object_type="user",
                object_id=user.pk,
                details={"reason": reason[:500]},
            )
        ]
    )


def visible_or_404(
    user, visible: QuerySet, pk, *, object_type: str, person_of=None, missing: str = "Not found"
):
    """The record with ``pk`` among those ``visible`` to ``user``, with its access event; or a
    denied event and a 404, whether the record does not exist or may not be seen, so the
    answer never tells which (deny by default).

    The denied event names the person the record is about, found through the registry (one
    query, whether or not the record exists), so the refused attempt shows in that person's
    access history; a record that does not exist names nobody."""
    found = visible.filter(pk=pk).first() if pk is not None else None
    return found_or_404(
        user, found, pk, object_type=object_type, person_of=person_of, missing=missing
    )


def found_or_404(user, found, pk, *, object_type: str, person_of=None, missing: str = "Not found"):
    """``visible_or_404`` for a record already looked up among those visible to ``user``
    (``found``, None when there is none), by a selector that reads it its own way."""
    if found is None:
        record_access(
            user,
            action="view",
            object_type=object_type,
            object_id=pk,
            denied=True,
            person_id=registry.person_named(object_type, pk),
        )
        raise Http404(missing)
    if person_of is not None:
        record_access(
            user, action="view", object_type=object_type, objects=[found], person_of=person_of
        )
    return found


def record_refusal(sender, *, actor, action: str, obj=None, **kwargs) -> None:
    """A rule refused ``actor`` (``core.permissions.refused``): a denied event naming the
    record and, where the record is about someone, the person, so IG sees a refused
    attempt on a visible record (a forbidden change, not only a hidden read) in that
    person's access history. The event waits in the request's buffer, so it is written
    even though the refused service's transaction rolls back."""
    if not getattr(actor, "is_authenticated", False):
        return
    named = registry.record_named(obj)
    object_type, person_id = named if named else ("", None)
    record_access(
        actor,
        action=action,
        object_type=object_type or (obj._meta.model_name if isinstance(obj, Model) else ""),
        object_id=getattr(obj, "pk", "") if isinstance(obj, Model) else "",
        denied=True,
        person_id=person_id,
    )


def record_children_shown(user, *, object_type: str, records, person_id) -> list:
    """One access event per child record shown beside its parent (the notes of a case, the
    consents of a referral), all about the parent's person. Nothing for none shown: the
    parent's own event already says the page was seen."""
    records = list(records)
    if records:
        record_access(
            user,
            action="view",
            object_type=object_type,
            objects=records,
            person_of=lambda _record: person_id,
        )
    return records
