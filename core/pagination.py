"""Keyset (cursor) pagination: the one way long lists are paged, in the API and on pages.

A page is fetched by where the last one ended, never by how many rows came before it, so
fetching page 1,000 costs what page 1 costs, and no ``COUNT(*)`` runs (an exact count of a
national table is a full scan). The ordering must be on NOT NULL columns and end in a unique
one (the primary key), so that every row has exactly one place; put its leading column in an
index (with the list's equality filters before it) and PostgreSQL reads only the page.

The cursor is opaque to the caller: base64 of the last row's ordering values and the
direction. It is not signed, and need not be: it only says where to start within what the
caller may see anyway. A cursor that does not decode, or whose values do not fit the
ordering's columns, raises ``InvalidCursor`` (the API answers 400; pages show the first page).
"""

import base64
import binascii
import datetime
import decimal
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

CURSOR_PARAM = "cursor"


class InvalidCursor(ValueError):
    """The cursor was not made by this list (altered, truncated, or from another list)."""

    message = "Invalid cursor: ask for the first page again"

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)


@dataclass(frozen=True)
class KeysetPage:
    items: list
    next_cursor: str | None
    previous_cursor: str | None
    # Query strings for links on a page (the request's own parameters with the cursor
    # replaced); empty unless built by ``paginate``.
    next_query: str = ""
    previous_query: str = ""

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


@dataclass(frozen=True)
class CursorKey:
    """One value a cursor holds: its name, its direction in the list's ordering and the
    field that parses it back (a model field, or an unbound one such as
    ``DateTimeField()``). ``keyset_page`` makes these from the ordering; a list paged some
    other way (the case timeline, merged from several tables) declares its own and reads
    and writes its cursors with ``decode_cursor`` and ``encode_cursor``."""

    name: str
    descending: bool
    field: object  # the model field (or annotation's output field) that parses a value


def _keys(queryset: QuerySet, ordering: Sequence[str]) -> list[CursorKey]:
    keys = []
    for term in ordering:
        name = term.lstrip("-")
        if "__" in name:
            raise ValueError(f"Keyset ordering on a related column is not supported: {term}")
        if name in queryset.query.annotations:
            model_field = queryset.query.annotations[name].output_field
        elif name == "pk":
            model_field = queryset.model._meta.pk
        else:
            model_field = queryset.model._meta.get_field(name)
        keys.append(CursorKey(name=name, descending=term.startswith("-"), field=model_field))
    return keys


def _plain(value):
    """A JSON-safe form of an ordering value that the column's ``to_python`` reads back
    exactly (microseconds included: Django's JSON encoder would drop them)."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    return value


def encode_cursor(values: Sequence, *, backwards: bool) -> str:
    payload = json.dumps({"v": [_plain(v) for v in values], "b": int(backwards)})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[CursorKey]) -> tuple[list, bool]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        values, backwards = payload["v"], payload["b"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise InvalidCursor() from exc
    if not isinstance(values, list) or len(values) != len(keys) or backwards not in (0, 1):
        raise InvalidCursor()
    try:
        parsed = [key.field.to_python(value) for key, value in zip(keys, values, strict=True)]
    except (ValidationError, TypeError, ValueError) as exc:
        raise InvalidCursor() from exc
    if any(value is None for value in parsed):
        raise InvalidCursor()
    return parsed, bool(backwards)


def _beyond(keys: Sequence[CursorKey], values: Sequence, *, backwards: bool) -> Q:
    """Rows strictly after ``values`` in the ordering (before them when going backwards):
    a < x OR (a = x AND b < y) ..., with a redundant a <= x so that the leading column's
    index bounds the scan."""

    def op(key, *, inclusive=False):
        smaller = key.descending != backwards
        return ("lte" if inclusive else "lt") if smaller else ("gte" if inclusive else "gt")

    condition = Q()
    equal_so_far = Q()
    for key, value in zip(keys, values, strict=True):
        condition |= equal_so_far & Q(**{f"{key.name}__{op(key)}": value})
        equal_so_far &= Q(**{key.name: value})
    first = keys[0]
    return Q(**{f"{first.name}__{op(first, inclusive=True)}": values[0]}) & condition


def _values_of(item, keys: Sequence[CursorKey]) -> list:
    if isinstance(item, dict):
        return [item[key.name] for key in keys]
    return [getattr(item, key.name) for key in keys]


def _reversed(ordering: Sequence[str]) -> list[str]:
    return [term[1:] if term.startswith("-") else f"-{term}" for term in ordering]


def keyset_page(
    queryset: QuerySet, *, ordering: Sequence[str], cursor: str | None, page_size: int
) -> KeysetPage:
    """One page of ``queryset`` in ``ordering``, starting where ``cursor`` says (the first
    page when it is None or empty). One query, whatever the page or the table's size."""
    keys = _keys(queryset, ordering)
    values, backwards = decode_cursor(cursor, keys) if cursor else (None, False)
    rows = list(
        keyset_rows(
            queryset, ordering=ordering, values=values, backwards=backwards, page_size=page_size
        )
    )
    return keyset_result(rows, keys=keys, values=values, backwards=backwards, page_size=page_size)


def keyset_keys(queryset: QuerySet, ordering: Sequence[str]) -> list[CursorKey]:
    """How a cursor of ``queryset`` in ``ordering`` is read back (``decode_cursor``)."""
    return _keys(queryset, ordering)


def keyset_rows(
    queryset: QuerySet,
    *,
    ordering: Sequence[str],
    values: Sequence | None,
    backwards: bool,
    page_size: int,
) -> QuerySet:
    """The query of a page: the rows after ``values`` (a decoded cursor; None for the first
    page) in ``ordering``, one more than the page to tell whether there is a next."""
    if values is not None:
        keys = _keys(queryset, ordering)
        queryset = queryset.filter(_beyond(keys, values, backwards=backwards))
    queryset = queryset.order_by(*(_reversed(ordering) if backwards else ordering))
    return queryset[: page_size + 1]


def keyset_result(
    rows: list, *, keys: Sequence[CursorKey], values, backwards: bool, page_size: int
) -> KeysetPage:
    """The page ``keyset_rows`` read, with its cursors."""
    more = len(rows) > page_size
    items = rows[:page_size]
    if backwards:
        items.reverse()
    first = _values_of(items[0], keys) if items else None
    last = _values_of(items[-1], keys) if items else None
    if backwards:
        previous_cursor = encode_cursor(first, backwards=True) if more else None
        next_cursor = encode_cursor(last if items else values, backwards=False)
    else:
        next_cursor = encode_cursor(last, backwards=False) if more else None
        previous_cursor = (
            encode_cursor(first if items else values, backwards=True) if values else None
        )
    return KeysetPage(items=items, next_cursor=next_cursor, previous_cursor=previous_cursor)


def paginate(
    request, queryset: QuerySet, *, ordering: Sequence[str], page_size: int = 25
) -> KeysetPage:
    """A page for a web list, from the request's ``cursor`` parameter, with the query strings
    of its previous and next links (the request's other parameters kept, such as filters).

    A damaged cursor shows the first page: whoever followed a mangled link loses nothing by
    starting again, and there is nothing else to tell them."""
    cursor = request.GET.get(CURSOR_PARAM)
    try:
        page = keyset_page(queryset, ordering=ordering, cursor=cursor, page_size=page_size)
    except InvalidCursor:
        page = keyset_page(queryset, ordering=ordering, cursor=None, page_size=page_size)

    def query(cursor_value):
        params = request.GET.copy()
        params[CURSOR_PARAM] = cursor_value
        return params.urlencode()

    return KeysetPage(
        items=page.items,
        next_cursor=page.next_cursor,
        previous_cursor=page.previous_cursor,
        next_query=query(page.next_cursor) if page.next_cursor else "",
        previous_query=query(page.previous_cursor) if page.previous_cursor else "",
    )
