from django.conf import settings
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from core.pagination import (
    CURSOR_PARAM,
    InvalidCursor,
    decode_cursor,
    keyset_keys,
    keyset_page,
    keyset_result,
)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE


class CursorPagination(pagination.BasePagination):
    """Keyset pagination (``core.pagination``) for long lists: ``next``/``previous`` links
    carry an opaque cursor, and there is no ``count`` (exact counts of national tables cost
    a full scan). A view names its order in ``cursor_ordering``: an indexed, nearly unique
    column, then the primary key. A cursor that is not one of ours is a 400 naming it."""

    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    default_ordering = ("-created_at", "-pk")

    def get_ordering(self, view):
        return tuple(getattr(view, "cursor_ordering", None) or self.default_ordering)

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        try:
            size = int(value) if value is not None else self.page_size
        except ValueError:
            return self.page_size
        if size < 1:
            return self.page_size
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        try:
            self.page = keyset_page(
                queryset,
                ordering=self.get_ordering(view),
                cursor=request.query_params.get(CURSOR_PARAM),
                page_size=self.get_page_size(request),
            )
        except InvalidCursor as exc:
            raise exceptions.ValidationError({CURSOR_PARAM: [str(exc)]}, code="invalid") from exc
        return self.page.items

    def paginate_compiled(self, query, request, view, *, model, shape, values: dict):
        """``paginate_queryset`` for a list kept compiled (``core.compiled``): ``query``
        builds the list's queryset from ``shape`` and ``values`` and returns
        ``core.pagination.keyset_rows`` of it, given the shape ``(shape, ordering,
        backwards, page_size)`` and the cursor's values as ``after`` (empty on the first
        page). The same page, cursors and 400s as ``paginate_queryset``."""
        self.request = request
        ordering = self.get_ordering(view)
        keys = _keys_of(model, ordering)
        cursor = request.query_params.get(CURSOR_PARAM)
        try:
            after, backwards = decode_cursor(cursor, keys) if cursor else (None, False)
        except InvalidCursor as exc:
            raise exceptions.ValidationError({CURSOR_PARAM: [str(exc)]}, code="invalid") from exc
        page_size = self.get_page_size(request)
        rows = query.rows(
            shape=(shape, ordering, backwards, page_size), after=after or [], **values
        )
        self.page = keyset_result(
            rows, keys=keys, values=after, backwards=backwards, page_size=page_size
        )
        return self.page.items

    def _link(self, cursor):
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, CURSOR_PARAM, cursor)

    def get_next_link(self):
        return self._link(self.page.next_cursor)

    def get_previous_link(self):
        return self._link(self.page.previous_cursor)

    def get_paginated_response(self, data):
        return Response(
            {
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": f"http://api.example.org/accounts/?{CURSOR_PARAM}=eyJ2Ijpb",
                },
                "previous": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "example": f"http://api.example.org/accounts/?{CURSOR_PARAM}=eyJ2Ijpb",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": "Where the page starts: the cursor of a next or previous link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page (at most {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


_KEYS: dict = {}


def _keys_of(model, ordering) -> list:
    """A cursor's keys for a list of ``model`` in ``ordering`` (on its own columns)."""
    if (model, ordering) not in _KEYS:
        _KEYS[model, ordering] = keyset_keys(model.objects.all(), ordering)
    return _KEYS[model, ordering]
