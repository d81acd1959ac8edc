"""Filters: whole months or quarters, an area and a pathway; anything else refused by field."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from figures.filters import Filters, add_months, parse_filters, this_month


def refused(query) -> dict:
    with pytest.raises(ValidationError) as error:
        parse_filters(query)
    return error.value.message_dict


def test_no_period_chosen_is_the_last_12_months_to_this_one():
    filters = parse_filters({})
    assert filters.last_month == this_month()
    assert filters.first_month == add_months(this_month(), -11)
    assert len(filters.months) == 12
    assert (filters.area, filters.pathway) == ("", "")


def test_a_range_of_whole_months():
    filters = parse_filters({"from": "2025-11", "to": "2026-02", "area": "durham"})
    assert filters.months == [
        datetime.date(2025, 11, 1),
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]
    assert filters.period_end == datetime.date(2026, 3, 1)
    assert filters.as_query() == {"from": "2025-11", "to": "2026-02", "area": "durham"}
    assert filters.in_words() == "November 2025 to February 2026, Durham, all pathways"


def test_a_quarter_is_its_three_months():
    filters = parse_filters({"quarter": "2025-Q2", "pathway": "adult_18_35"})
    assert (filters.first_month, filters.last_month) == (
        datetime.date(2025, 4, 1),
        datetime.date(2025, 6, 1),
    )
    assert filters.pathway == "adult_18_35"
    assert filters.in_words() == (
        "April 2025 to June 2025, all areas, Adults aged 18 to 35 involved in serious violence"
    )


def test_a_single_month():
    filters = parse_filters({"from": "2025-03", "to": "2025-03"})
    assert filters.months == [datetime.date(2025, 3, 1)]
    assert filters.in_words() == "March 2025, all areas, all pathways"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-13"}, "from"),
        ({"from": "April 2026"}, "from"),
        ({"to": "2026-4"}, "to"),
        ({"from": "2026-04-01"}, "from"),
        ({"quarter": "2026-Q5"}, "quarter"),
        ({"quarter": "Q1 2026"}, "quarter"),
        ({"quarter": "2025-Q1", "from": "2025-01"}, "quarter"),
        ({"from": "2025-06", "to": "2025-01"}, "from"),
        ({"from": "2015-01", "to": "2025-01"}, "from"),
        ({"area": "countywide"}, "area"),
        ({"area": "<script>"}, "area"),
        ({"pathway": "everything"}, "pathway"),
    ],
)
def test_invalid_values_are_refused_by_field(query, field):
    errors = refused(query)
    assert list(errors) == [field]
    assert errors[field][0]  # with the reason


def test_a_month_after_this_one_is_refused():
    next_month = add_months(this_month(), 1)
    errors = refused({"to": f"{next_month:%Y-%m}"})
    assert list(errors) == ["to"]
    assert f"{this_month():%B %Y}" in errors["to"][0]


def test_every_bad_field_is_named_at_once():
    assert sorted(refused({"from": "x", "area": "y", "pathway": "z"})) == [
        "area",
        "from",
        "pathway",
    ]


def test_filters_of_a_query_round_trip():
    filters = Filters(
        first_month=datetime.date(2025, 1, 1),
        last_month=datetime.date(2025, 6, 1),
        area="darlington",
        pathway="u18_prevention",
    )
    assert parse_filters(filters.as_query()) == filters
