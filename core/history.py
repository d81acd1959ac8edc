"""Who made a change, and why, for django-simple-history; and its manager, made once."""

import datetime
import decimal
import json
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, models, router
from django.db.models import signals
from django.utils import timezone
from simple_history import signals as history_signals
from simple_history.manager import HistoryDescriptor
from simple_history.utils import get_change_reason_from_object

from core.actors import history_user


def with_history(instance, *, actor, reason: str):
    """Label the next save of ``instance`` in its history with the actor and the reason."""
    instance._history_user = history_user(actor)
    instance._change_reason = reason
    return instance


class _OneManagerClass(HistoryDescriptor):
    """simple-history's ``Model.history``, with the manager class made once. Its own makes a
    new class on every access (``Manager.from_queryset``, ``inspect.getmembers`` over the
    queryset's methods, about 0.25 ms), and it is asked once for each history row saved."""

    def __init__(self, descriptor: HistoryDescriptor):
        super().__init__(
            descriptor.model,
            manager=descriptor.manager_class,
            queryset=descriptor.queryset_class,
        )
        self.made = self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self.made(self.model, instance)


def make_history_managers_once(models) -> None:
    """Put ``_OneManagerClass`` in place of each model's history descriptor (at start-up,
    once every model is prepared)."""
    for model in models:
        name = getattr(model._meta, "simple_history_manager_attribute", None)
        descriptor = vars(model).get(name) if name else None
        if type(descriptor) is HistoryDescriptor:
            setattr(model, name, _OneManagerClass(descriptor))


@dataclass(frozen=True)
class AlsoInsert:
    """An ``INSERT … SELECT`` written in the same statement as the records (``sql`` a
    constant text, ``params`` its values): how many rows it wrote comes back to be checked."""

    sql: str
    params: list


def insert_with_history(
    *records: models.Model, also: tuple[AlsoInsert, ...] = (), using: str | None = None
) -> list[int]:
    """Insert new ``records`` (each labelled by ``with_history``), each with its history row,
    and ``also``, in one statement; the number of rows each of ``also`` wrote.

    What ``save()`` and simple-history's ``post_save`` do, a round trip for each row, in
    one: the same signals (``pre_save`` and ``post_save``, simple-history's
    ``pre_create_historical_record`` and ``post_create_historical_record``, whose receivers
    give each history row its change event in the chain), the same values (``pre_save``
    and ``get_db_prep_save`` of every field), history rows made as simple-history makes them.
    The INSERTs are compiled once per model; a history row's copy of a field the record
    has just prepared (its sealed text, say) is not prepared a second time.

    The statement's data-modifying CTEs run together, so a row may refer to another
    inserted alongside: foreign keys are checked at its end, or deferred to the commit.
    """
    if not records:
        raise ValueError("insert_with_history needs a record")
    using = using or router.db_for_write(type(records[0]), instance=records[0])
    connection = connections[using]
    with_rows = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    statement = _Statement()
    histories = []
    for record in records:
        if not record._state.adding:
            raise ValueError(f"insert_with_history inserts new records only, not {record!r}")
        record._prepare_related_fields_for_save(operation_name="save")
        signals.pre_save.send(
            sender=type(record), instance=record, raw=False, using=using, update_fields=None
        )
        insert = _Insert.of(type(record), connection)
        prepared = insert.values(record, connection)
        statement.add(insert.sql, [insert.row(prepared)])
        if with_rows and not hasattr(record, "skip_history_when_saving"):
            history = _history_row(record)
            insert = _Insert.of(type(history), connection)
            row = insert.row(insert.values(history, connection, known=prepared))
            statement.add(insert.sql, [row])
            histories.append((record, history, statement.answer(insert.returned)))
    counts = [statement.add(also.sql, also.params, counted=True) for also in also]
    answers = statement.run(connection)
    for record in records:
        record._state.adding, record._state.db = False, using
    for _, history, answer in histories:
        if answer is not None:
            history.pk = answers[answer]
        history._state.adding, history._state.db = False, using
    for record in records:
        # simple-history's own receiver stands aside: the history row is written already.
        record.skip_history_when_saving = True
        try:
            signals.post_save.send(
                sender=type(record),
                instance=record,
                created=True,
                update_fields=None,
                raw=False,
                using=using,
            )
        finally:
            del record.skip_history_when_saving
    for record, history, _ in histories:
        history_signals.post_create_historical_record.send(
            sender=type(history),
            instance=record,
            history_instance=history,
            history_date=history.history_date,
            history_user=history.history_user,
            history_change_reason=history.history_change_reason,
            using=using,
        )
    return [answers[count] for count in counts]


class _Statement:
    """INSERTs as the data-modifying CTEs of one statement, which answers with one value
    for each asked of it: a row's generated key, or how many rows an INSERT wrote."""

    def __init__(self):
        self.parts: list[str] = []
        self.params: list = []
        self.answers: list[str] = []

    def add(self, sql: str, params: list, *, counted: bool = False) -> int | None:
        name = f"w{len(self.parts)}"
        self.params.extend(params)
        self.parts.append(f"{name} AS ({sql}{' RETURNING 1' if counted else ''})")
        return self._ask(f"SELECT count(*) FROM {name}") if counted else None  # noqa: S608

    def answer(self, column: str | None) -> int | None:
        """The last INSERT's generated ``column``, once the statement has run."""
        if column is None:
            return None
        name = f"w{len(self.parts) - 1}"
        self.parts[-1] = self.parts[-1][:-1] + f" RETURNING {column})"
        return self._ask(f"SELECT {column} FROM {name}")  # noqa: S608

    def _ask(self, query: str) -> int:
        self.answers.append(f"({query})")
        return len(self.answers) - 1

    def run(self, connection) -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH {', '.join(self.parts)} SELECT {', '.join(self.answers) or 'NULL'}",
                self.params,
            )
            return cursor.fetchone()


def _history_row(record):
    """The history row simple-history's ``create_historical_record`` makes for a new record,
    with its ``pre_create_historical_record`` signal sent."""
    history_model = getattr(type(record), record._meta.simple_history_manager_attribute).model
    if not hasattr(record, "_history_user"):
        raise ValueError("Label the record's change with with_history(actor=..., reason=...)")
    history_date = getattr(record, "_history_date", None) or timezone.now()
    history_user = record._history_user
    reason = get_change_reason_from_object(record)
    history = history_model(
        history_date=history_date,
        history_type="+",
        history_user=history_user,
        history_change_reason=reason,
        **{field.attname: getattr(record, field.attname) for field in history_model.tracked_fields},
    )
    if getattr(history_model, "history_relation", None) is not None:
        history.history_relation = record
    history_signals.pre_create_historical_record.send(
        sender=history_model,
        instance=record,
        history_date=history_date,
        history_user=history_user,
        history_change_reason=reason,
        history_instance=history,
        using=None,
    )
    return history


class _Insert:
    """A model's single-row INSERT, compiled once per connection: its columns (an automatic
    primary key left to the database, to come back), and the values of a row in order.

    The row goes as one JSON object, which PostgreSQL reads into the table's row type
    (``json_populate_record``: each value through its column's own input, an array into
    an array column): a parameter for each column (130 for a referral of someone new)
    costs the driver a parse of the statement it cannot cache and a literal each, and the
    server as many literals to parse."""

    _made: dict = {}

    def __init__(self, model, connection):
        quote = connection.ops.quote_name
        auto = model._meta.pk if isinstance(model._meta.pk, models.AutoField) else None
        self.fields = [f for f in model._meta.concrete_fields if f is not auto]
        # The generated key, returned.
        self.returned = quote(auto.column) if auto else None
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(f.column) for f in self.fields)
        self.sql = (
            f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names from the model
            f"SELECT {columns} FROM json_populate_record(NULL::{table}, %s::json)"
        )

    def row(self, values: dict) -> str:
        """The JSON of a row's ``values`` (from ``values``), by column."""
        return json.dumps(
            {f.column: values[f.attname][1] for f in self.fields},
            default=_json_value,
            separators=(",", ":"),
        )

    @classmethod
    def of(cls, model, connection) -> "_Insert":
        key = (model, connection.alias)
        made = cls._made.get(key)
        if made is None:
            made = cls._made[key] = cls(model, connection)
        return made

    def values(self, instance, connection, *, known: dict | None = None) -> dict:
        """Each column's value as ``save()`` sends it: ``pre_save`` (times set on creation),
        then ``get_db_prep_save``, by attribute name. A history row's copy of a field of the
        same kind takes the record's value from ``known`` (its ``values``), already made."""
        values = {}
        for field in self.fields:
            name = field.attname
            if known is not None and name in known:
                kind, value = known[name]
                if kind is type(field):
                    values[name] = kind, value
                    continue
            value = field.pre_save(instance, True)
            if hasattr(value, "resolve_expression"):
                raise TypeError(f"{field} is an expression: save() it instead")
            values[name] = type(field), field.get_db_prep_save(value, connection=connection)
        return values


def _json_value(value):
    """A prepared value JSON has no type for, as text its column's input reads."""
    if isinstance(value, datetime.date | datetime.time):
        # A datetime the ORM prepared is aware (USE_TZ): its text carries the offset.
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    raise TypeError(f"a value of type {type(value).__name__} for insert_with_history")
