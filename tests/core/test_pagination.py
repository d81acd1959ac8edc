"""Keyset pagination: every row once, in order, forwards and back; one query a page,
whichever page; a cursor that is not ours is refused, never a server error."""

import base64
import json

import pytest
from django.db.models import Case, IntegerField, Value, When
from django.test import RequestFactory
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from api.pagination import CursorPagination
from core.pagination import InvalidCursor, encode_cursor, keyset_page, paginate
from partners.models import Area, Organisation
from tests.factories import make_organisation

# Ties on the leading column, mixed directions: the hard case for a keyset.
ORDERING = ("area", "-created_at", "pk")


@pytest.fixture
def organisations(db):
    areas = [Area.DURHAM, Area.DARLINGTON, Area.COUNTYWIDE]
    for n in range(11):
        make_organisation(name=f"Paged {n:02}", area=areas[n % 3], agreement=False)
    return Organisation.objects.filter(name__startswith="Paged ")


def _expected(queryset):
    return list(queryset.order_by(*ORDERING).values_list("pk", flat=True))


def test_walks_forward_then_back_through_every_row_once(organisations):
    seen, cursor, pages = [], None, []
    while True:
        page = keyset_page(organisations, ordering=ORDERING, cursor=cursor, page_size=4)
        pages.append(page)
        seen += [o.pk for o in page.items]
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert seen == _expected(organisations)
    assert [len(p) for p in pages] == [4, 4, 3]
    assert not pages[0].has_previous
    assert pages[1].has_previous

    back = keyset_page(
        organisations, ordering=ORDERING, cursor=pages[-1].previous_cursor, page_size=4
    )
    assert [o.pk for o in back.items] == [o.pk for o in pages[1].items]
    first = keyset_page(organisations, ordering=ORDERING, cursor=back.previous_cursor, page_size=4)
    assert [o.pk for o in first.items] == [o.pk for o in pages[0].items]
    assert not first.has_previous
    assert first.next_cursor


def test_orders_on_an_annotation(organisations):
    rank = Case(
        When(area=Area.COUNTYWIDE, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    ranked = organisations.annotate(rank=rank)
    ordering = ("rank", "name", "pk")
    first = keyset_page(ranked, ordering=ordering, cursor=None, page_size=5)
    second = keyset_page(ranked, ordering=ordering, cursor=first.next_cursor, page_size=5)
    expected = list(ranked.order_by(*ordering).values_list("pk", flat=True))
    assert [o.pk for o in first.items + second.items] == expected[:10]


def test_one_query_a_page_whatever_the_page(organisations, django_assert_num_queries):
    page = keyset_page(organisations, ordering=ORDERING, cursor=None, page_size=2)
    for _ in range(3):
        with django_assert_num_queries(1):
            page = keyset_page(
                organisations, ordering=ORDERING, cursor=page.next_cursor, page_size=2
            )


def _b64(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        base64.urlsafe_b64encode(b"not json").decode(),
        _b64({"v": ["durham"], "b": 0}),  # too few values for the ordering
        _b64({"v": ["durham", "yesterday", 1], "b": 0}),  # not a time
        _b64({"v": ["durham", "2026-01-01T00:00:00+00:00", "x"], "b": 0}),  # not a key
        _b64({"v": ["durham", None, 1], "b": 0}),
        _b64({"v": ["durham", "2026-01-01T00:00:00+00:00", 1], "b": 7}),
        _b64(["a list"]),
    ],
)
def test_a_cursor_that_is_not_ours_is_refused(organisations, cursor):
    with pytest.raises(InvalidCursor):
        keyset_page(organisations, ordering=ORDERING, cursor=cursor, page_size=4)


def test_the_api_answers_a_bad_cursor_with_400_naming_it(organisations):
    request = Request(RequestFactory().get("/api/v1/things/", {"cursor": "garbage"}))
    with pytest.raises(ValidationError) as refused:
        CursorPagination().paginate_queryset(organisations, request)
    assert "cursor" in refused.value.detail


def test_the_api_keeps_page_size_within_the_maximum(organisations, settings):
    request = Request(RequestFactory().get("/api/v1/things/", {"page_size": "3"}))
    paginator = CursorPagination()
    assert len(paginator.paginate_queryset(organisations, request)) == 3
    response = paginator.get_paginated_response([])
    assert set(response.data) == {"next", "previous", "results"}
    assert "cursor=" in response.data["next"]
    assert response.data["previous"] is None
    huge = Request(RequestFactory().get("/api/v1/things/", {"page_size": "100000"}))
    assert paginator.get_page_size(huge) == settings.API_MAX_PAGE_SIZE


def test_a_page_keeps_the_lists_filters_in_its_links(organisations):
    request = RequestFactory().get("/referrals/", {"status": "submitted"})
    page = paginate(request, organisations, ordering=ORDERING, page_size=4)
    assert page.next_query.startswith("status=submitted&cursor=")
    assert page.previous_query == ""


def test_a_damaged_link_on_a_page_shows_the_first_page(organisations):
    request = RequestFactory().get("/referrals/", {"cursor": encode_cursor([1], backwards=False)})
    page = paginate(request, organisations, ordering=ORDERING, page_size=4)
    assert [o.pk for o in page.items] == _expected(organisations)[:4]
