"""Hot queries built and compiled by the ORM once per process and shape, then run again with
new values: the general form of the hand-written statements of the agenda and the token.

A request builds the same few querysets again and again, only values changing (the record
asked for, the caller's id and organisations, the time); building and compiling them was
most of what a read cost. A ``CompiledQuery`` wraps a function that builds the queryset
from a *shape* (whatever changes the SQL: which branches a caller's roles open, which
filters a list has) and named *values* (what only fills parameters)::

    @compiled_query
    def _referral(shape, *, referral_id, user_id, now):
        return Referral.objects.filter(...)

    referral = _referral.first(shape=("durham",), referral_id=pk, user_id=user.pk, now=now)

The first use of a shape calls the function with a typed sentinel for each value (a random
UUID, string, date or time; an integer of the same range, for lists one per element) and
lets Django compile the queryset, twice, with different sentinels. Each sentinel must come
out as a parameter of its own (found by exact type and value), at the same positions both
times, with the SQL and every other parameter identical: otherwise the query hides a value
(a ``timezone.now()`` of its own), transforms one (``icontains`` wraps it in ``%``) or
writes one into the SQL, and it is not kept (see ``NotCompilable``). Later uses put the
values at those positions and run the SQL; rows become objects through Django's own
iterable (``select_related``, converters such as sealed fields' decryption, ``from_db``),
with the compiler of the first use.

What a value is (its type; an integer's range; a list's length, element types and which of
its elements repeat others, as ``IN`` drops repeats) is part of the key with the shape, so
a value that would make Django write other SQL makes another shape. ``None`` and booleans
(and the empty string) cannot be told by a sentinel: they are keyed by value, written in
as Django writes them.
The function sees nothing else: it may not close over variables, and with
``settings.COMPILED_QUERY_CHECK`` (the test settings) a use also builds and compiles the
queryset with the real values and fails unless the SQL, the parameters and the database are
exactly those run (every use, or a sample: ``_checks_this_use``). A shape that cannot be
kept runs as an ordinary queryset (and fails loudly under the check).

A list's sentinels are in ascending order: a function that sorts a list (``IN`` of sorted
ids) puts them where it puts the values, when the values come sorted too. ``rows`` gives
what iterating the queryset gives, ``first`` what ``first()`` gives, ``count`` what
``count()`` gives, and ``bound`` something a paginator counts and slices (a slice's bounds
are written into the SQL, so they are part of its shape).
"""

import contextlib
import copy
import datetime
import logging
import random
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.sql.constants import SINGLE

logger = logging.getLogger(__name__)

# Shapes kept per query: a bound on memory, should a value's length vary without end.
MAX_SHAPES = 256


class NotCompilable(Exception):
    """The query cannot be kept compiled: a value does not come out as a parameter of its
    own (hidden, transformed or written into the SQL), or the queryset is of a kind this
    does not run (prefetching, known related objects, ``extra``)."""


class CompiledQueryMismatch(AssertionError):
    """Under ``COMPILED_QUERY_CHECK``: the kept SQL, parameters or database differ from
    those a fresh compile with the real values gives."""


# Django writes an integer outside its column's range as no match, or every row
# (``IntegerFieldOverflow``): a sentinel is of the same sign and within the same of the
# columns' ranges (small, ordinary, big integers) as the value it stands for.
_INT_BOUNDS = (-(2**63), -(2**31), -(2**15), 0, 2**15, 2**31, 2**63)


def _int_range(value: int) -> int:
    """The interval of ``_INT_BOUNDS`` ``value`` is in (0 below the first, 7 above all)."""
    return sum(1 for bound in _INT_BOUNDS if value >= bound)


def _signature(value) -> Hashable:
    """What about a value the SQL may depend on: part of the key."""
    kind = type(value)
    if value is None or kind is bool:
        return ("literal", value)
    # Subclasses (choices' enumerations) keyed apart, stood for by the plain type.
    if isinstance(value, int):
        return ("int", _int_range(value), kind)
    if kind in (list, tuple):
        elements = tuple(_signature(v) for v in value)
        if any(e[0] in ("literal", "list") for e in elements):
            return ("literal", tuple(value))
        # Which elements repeat an earlier one: ``IN`` drops repeats, and the sentinels repeat
        # where the values do.
        first: dict = {}
        return ("list", kind, elements, tuple(first.setdefault(v, i) for i, v in enumerate(value)))
    if kind is datetime.datetime:
        return ("datetime", value.tzinfo is not None)
    if isinstance(value, str):
        # An empty string is no sentinel's match, and a function may test for one.
        return ("literal", value) if value == "" else ("str", kind)
    if kind in (uuid.UUID, datetime.date, Decimal):
        return (kind.__name__,)
    raise NotCompilable(f"No sentinel for a value of type {kind.__name__}")


def _sentinel(signature, rng: random.Random):
    kind = signature[0]
    if kind == "literal":
        return signature[1]
    if kind == "int":
        interval = signature[1]
        low = _INT_BOUNDS[interval - 1] if interval > 0 else -(2**70)
        high = _INT_BOUNDS[interval] if interval < len(_INT_BOUNDS) else 2**70
        # In the upper half of the interval: rarely any constant's value.
        return rng.randrange(low + (high - low) // 2, high)
    if kind == "list":
        _, sequence, elements, repeats = signature
        # In ascending order, as the values are (where a function sorts them, ``IN``'s
        # parameters come out in the same order either way).
        made = [_sentinel(e, rng) for e in elements]
        with contextlib.suppress(TypeError):
            made.sort()
        return sequence(made[earlier] for earlier in repeats)
    if kind == "datetime":
        moment = datetime.datetime(2000, 1, 1) + datetime.timedelta(
            microseconds=rng.randrange(10**15)
        )
        return moment.replace(tzinfo=datetime.UTC) if signature[1] else moment
    if kind == "date":
        return datetime.date(1000, 1, 1) + datetime.timedelta(days=rng.randrange(10**5))
    if kind == "UUID":
        return uuid.UUID(int=rng.getrandbits(128), version=4)
    if kind == "Decimal":
        return Decimal(rng.randrange(10**12)) / 1000
    return f"\u2063sentinel-{rng.getrandbits(96):024x}"  # str


def _leaves(name: str, signature, sentinel):
    """(name, index or None, sentinel) for each value a sentinel stands for."""
    if signature[0] == "literal":
        return []
    if signature[0] == "list":
        return [(name, i, s) for i, s in enumerate(sentinel) if signature[3][i] == i]
    return [(name, None, sentinel)]


# Types a value is put in its place as it is (its own type: the key says it is the same).
_PLAIN = frozenset({int, str, uuid.UUID, datetime.date, datetime.datetime, Decimal})


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


@dataclass
class _Shape:
    sql: str
    params: tuple
    # (position in params, value name, index in a list value or None)
    slots: list
    compiler: object
    query: object
    model: type
    db: str | None  # a database named by the queryset (``using``), else the router's
    iterable_class: type
    fields: tuple
    uses: int = 0


class _Captured(Exception):
    def __init__(self, compiler):
        self.compiler = compiler


_CAPTURING: dict = {}


def _capturing_class(base: type) -> type:
    """``base`` whose ``execute_sql`` hands the compiler back instead of running it."""
    if base not in _CAPTURING:

        def execute_sql(self, *args, **kwargs):
            raise _Captured(self)

        _CAPTURING[base] = type(f"Capturing{base.__name__}", (base,), {"execute_sql": execute_sql})
    return _CAPTURING[base]


def _count_compiler(queryset: QuerySet, db: str):
    """The compiler ``queryset.count()`` runs, caught before it runs (on this thread's own
    connection, whose operations are told for the moment to make capturing compilers)."""
    ops = connections[db].ops
    real = ops.compiler
    ops.compiler = lambda name: _capturing_class(real(name))
    try:
        queryset.count()
    except _Captured as captured:
        compiler = captured.compiler
        compiler.__class__ = compiler.__class__.__bases__[0]  # itself again, to be run
        return compiler
    finally:
        del ops.compiler
    raise NotCompilable("count() ran no query")


def _compile(queryset: QuerySet, terminal: tuple):
    if queryset._prefetch_related_lookups or queryset._known_related_objects:
        raise NotCompilable("Prefetch after the query instead (prefetch_related_objects)")
    if queryset.query.extra or queryset._for_write or queryset._hints:
        raise NotCompilable("extra(), writes and hinted querysets are not kept")
    db = queryset.db
    if terminal[0] == "count":
        compiler = _count_compiler(queryset, db)
    else:
        compiler = queryset.query.get_compiler(using=db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        # Nothing to ask (``none()``, an empty ``IN``): no query, as Django does.
        return compiler, None, (), db
    return compiler, sql, tuple(params), db


def _stands_for(param, sentinel):
    """How ``param`` holds ``sentinel``: None if it does not, else the type to give a value
    put in its place (PostgreSQL's backend passes an integer column's value as psycopg's
    ``Int2``, ``Int4`` or ``Int8``, as it will the real value)."""
    if _same(param, sentinel):
        return type(param)
    if type(sentinel) is int and isinstance(param, int) and param == sentinel:
        return type(param)
    return None


def _locate(params: tuple, sql: str, leaves: list) -> dict:
    """Where each sentinel stands in ``params``: {position: (name, index, type)}."""
    found = {}
    for name, index, sentinel in leaves:
        positions = [(n, _stands_for(p, sentinel)) for n, p in enumerate(params)]
        positions = [(n, kind) for n, kind in positions if kind is not None]
        if not positions:
            raise NotCompilable(f"The value {name!r} is not a parameter of its own")
        if str(sentinel) in sql:
            raise NotCompilable(f"The value {name!r} is written into the SQL")
        for n, kind in positions:
            if n in found:
                raise NotCompilable(f"The values {found[n][0]!r} and {name!r} share a place")
            found[n] = (name, index, kind)
    return found


class _PreparedQuery:
    """What Django's iterables ask of a queryset's ``query``: the compiler, ready to run
    the kept SQL with this use's parameters; anything else from the kept query."""

    def __init__(self, query, compiler):
        self._query = query
        self._compiler = compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler

    def __getattr__(self, name):
        return getattr(self._query, name)


class _PreparedQuerySet:
    """The little of a ``QuerySet`` Django's iterables read."""

    _known_related_objects: dict = {}

    def __init__(self, shape: _Shape, db: str, compiler):
        self.db = db
        self.model = shape.model
        self.query = _PreparedQuery(shape.query, compiler)
        self._fields = shape.fields


class CompiledQuery:
    """A queryset built by ``build(shape, **values)``, compiled once per shape (see the
    module's docstring). ``rows`` gives what iterating the queryset gives; ``first`` what
    its ``first()`` gives."""

    def __init__(self, build: Callable[..., QuerySet]):
        if getattr(build, "__closure__", None):
            raise TypeError(
                f"{build.__qualname__} closes over variables: what it reads must be in its "
                "shape or its values"
            )
        self.build = build
        self.__doc__ = build.__doc__
        self.__name__ = build.__name__
        self._shapes: dict = {}
        self._refused: dict = {}  # bounded as the shapes are

    def __repr__(self):
        return f"<CompiledQuery {self.build.__module__}.{self.build.__qualname__}>"

    def rows(self, *, shape: Hashable = (), **values) -> list:
        return self._run(shape, values, ("rows", None, None))

    def first(self, *, shape: Hashable = (), **values):
        rows = self._run(shape, values, ("first",))
        return rows[0] if rows else None

    def count(self, *, shape: Hashable = (), **values) -> int:
        return self._run(shape, values, ("count",))

    def bound(self, *, shape: Hashable = (), **values) -> "BoundQuery":
        """The query with these values, counted and sliced as a queryset is (what Django's
        ``Paginator`` asks of one), each a query of its own kept compiled."""
        return BoundQuery(self, shape, values)

    def queryset(self, *, shape: Hashable = (), **values) -> QuerySet:
        """The queryset itself, built with these values (for a use that is not kept)."""
        return self.build(shape, **values)

    # --- Internals -----------------------------------------------------------------------

    def _built(self, shape, values: dict, terminal: tuple) -> QuerySet:
        queryset = self.build(shape, **values)
        if terminal[0] == "first":
            # As ``QuerySet.first`` does.
            queryset = (queryset if queryset.ordered else queryset.order_by("pk"))[:1]
        elif terminal[0] == "rows" and terminal[1:] != (None, None):
            queryset = queryset[terminal[1] : terminal[2]]
        return queryset

    def _key(self, shape, values: dict, terminal: tuple):
        try:
            hash(shape)
            signatures = tuple((name, _signature(values[name])) for name in sorted(values))
        except (TypeError, NotCompilable) as exc:
            return None, exc
        return (shape, signatures, terminal), None

    def _shape(self, key, shape, values: dict, terminal: tuple) -> _Shape:
        signatures = dict(key[1])
        compiled = []
        for seed in (1, 2):
            rng = random.Random()  # noqa: S311 - sentinels, not secrets
            rng.seed(seed * 7919 + id(self))
            sentinels = {n: _sentinel(signatures[n], rng) for n in values}
            leaves = [
                leaf for n in sorted(values) for leaf in _leaves(n, signatures[n], sentinels[n])
            ]
            try:
                queryset = self._built(shape, sentinels, terminal)
                compiler, sql, params, db = _compile(queryset, terminal)
            except (ValidationError, ValueError, TypeError) as exc:
                # A sentinel the field will not take (a string where a UUID goes).
                raise NotCompilable(f"A sentinel was refused: {exc}") from exc
            slots = _locate(params, sql, leaves) if sql is not None else {}
            compiled.append((queryset, compiler, sql, params, db, slots))
        (queryset, compiler, sql, params, db, slots), (_, _, sql2, params2, db2, slots2) = compiled
        if sql != sql2 or db != db2 or slots != slots2 or len(params) != len(params2):
            raise NotCompilable("The SQL depends on more than the shape and the values' types")
        for n, (a, b) in enumerate(zip(params, params2, strict=True)):
            if n not in slots and not _same(a, b):
                raise NotCompilable(f"Parameter {n} ({a!r}) is a value not named")
        return _Shape(
            sql=sql,
            params=params,
            slots=sorted(
                (n, name, index, None if kind in _PLAIN else kind)
                for n, (name, index, kind) in slots.items()
            ),
            compiler=compiler,
            query=compiler.query,
            model=queryset.model,
            db=queryset._db,
            iterable_class=queryset._iterable_class,
            fields=queryset._fields,
        )

    def _kept(self, shape, values: dict, terminal: tuple):
        """The kept shape for these, made if need be; None (with why) if it cannot be."""
        key, refused = self._key(shape, values, terminal)
        if key is None:
            return None, refused
        kept = self._shapes.get(key)
        if kept is not None:
            return kept, None
        if key in self._refused:
            return None, self._refused[key]
        try:
            kept = self._shape(key, shape, values, terminal)
        except NotCompilable as exc:
            if len(self._refused) < MAX_SHAPES:
                self._refused[key] = exc
            logger.warning("%r not kept compiled: %s", self, exc)
            return None, exc
        if len(self._shapes) < MAX_SHAPES:
            self._shapes[key] = kept
        return kept, None

    def _run(self, shape, values: dict, terminal: tuple):
        kept, refused = self._kept(shape, values, terminal)
        if kept is None:
            if getattr(settings, "COMPILED_QUERY_CHECK", False):
                raise CompiledQueryMismatch(f"{self!r} could not be kept: {refused}")
            queryset = self._built(shape, values, terminal)
            return queryset.count() if terminal[0] == "count" else list(queryset)
        params = list(kept.params)
        for n, name, index, kind in kept.slots:
            value = values[name] if index is None else values[name][index]
            params[n] = value if kind is None else kind(value)
        db = kept.db or router.db_for_read(kept.model)
        kept.uses += 1
        if _checks_this_use(kept.uses):
            self._check(kept, shape, values, terminal, params, db)
        compiler = copy.copy(kept.compiler)
        compiler.connection = connections[db]
        compiler.using = db
        sql = kept.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        if terminal[0] == "count":
            return _counted(compiler, sql)
        if sql is None:
            return []
        return list(kept.iterable_class(_PreparedQuerySet(kept, db, compiler)))

    def _check(self, kept: _Shape, shape, values, terminal, params, db) -> None:
        fresh = self._built(shape, values, terminal)
        _, sql, fresh_params, fresh_db = _compile(fresh, terminal)
        if sql != kept.sql:
            raise CompiledQueryMismatch(f"{self!r}: SQL differs\nkept:  {kept.sql}\nfresh: {sql}")
        if len(fresh_params) != len(params) or not all(
            _same(a, b) for a, b in zip(fresh_params, params, strict=True)
        ):
            raise CompiledQueryMismatch(
                f"{self!r}: parameters differ\nkept:  {params!r}\nfresh: {list(fresh_params)!r}"
            )
        if fresh_db != db or fresh._iterable_class is not kept.iterable_class:
            raise CompiledQueryMismatch(f"{self!r}: database or kind of rows differs")


def _checks_this_use(use: int) -> bool:
    """``COMPILED_QUERY_CHECK``: ``True`` checks every use; a number ``n`` the first use of
    each shape in a process and every ``n``-th after it (a value that made other SQL would
    do so again among the many the suite sends, while checking every one of the matrix's
    identical requests cost a quarter of its time)."""
    check = getattr(settings, "COMPILED_QUERY_CHECK", False)
    if check is True or check is False:
        return check
    return use == 1 or use % check == 0


def _counted(compiler, sql) -> int:
    """What ``Query.get_aggregation`` makes of the count's row."""
    query = compiler.query
    row = compiler.execute_sql(SINGLE) if sql is not None else None
    if row is None:
        row = [e.empty_result_set_value for e in query.annotation_select.values()]
    else:
        converters = compiler.get_converters(query.annotation_select.values())
        row = next(compiler.apply_converters((row,), converters))
    return dict(zip(query.annotation_select, row, strict=True))["__count"]


class BoundQuery:
    """A ``CompiledQuery`` with its values: ``count()``, slices and iteration, each run kept
    compiled (a slice's bounds are part of its shape, as SQL's LIMIT and OFFSET are)."""

    ordered = True

    def __init__(self, query: CompiledQuery, shape, values: dict):
        self._query, self._shape, self._values = query, shape, values

    def count(self) -> int:
        return self._query._run(self._shape, self._values, ("count",))

    def __getitem__(self, cut):
        if not isinstance(cut, slice) or cut.step is not None:
            raise TypeError("A compiled query is sliced with [start:stop] only")
        return self._query._run(self._shape, self._values, ("rows", cut.start, cut.stop))

    def __iter__(self):
        return iter(self._query._run(self._shape, self._values, ("rows", None, None)))


def compiled_query(build: Callable[..., QuerySet]) -> CompiledQuery:
    """Decorate a module-level ``build(shape, **values) -> QuerySet``."""
    return CompiledQuery(build)
