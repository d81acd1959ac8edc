"""Aggregates: percentiles in SQL over rows (``Percentile``), and the same percentile from
a tally of how many took each number of days (``percentile_of_counts``), which is what the
figure sets read at scale."""

import math

from django.db.models import Aggregate, FloatField, Func, IntegerField


class Percentile(Aggregate):
    """PostgreSQL's ``percentile_cont(p) WITHIN GROUP (ORDER BY expression)``: the value
    below which a fraction ``p`` of the (non-null) values fall, interpolating between the
    two nearest (so the median of 2, 3, 5, 9 is 4.0). ``Percentile(x, 0.5)`` is the median.
    """

    function = "PERCENTILE_CONT"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False

    def __init__(self, expression, fraction: float, **extra):
        fraction = float(fraction)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("A percentile is a fraction from 0 to 1")
        # Written into the SQL as a number: it is this function's own float, never input.
        super().__init__(expression, fraction=repr(fraction), **extra)


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two date columns): PostgreSQL's ``date - date``
    is an integer, and null when either is."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)


def percentile_of_counts(counts: dict[int, int], fraction: float) -> float | None:
    """``percentile_cont(fraction)`` of the values ``counts`` holds (value: how many times):
    the same answer as ``Percentile`` over the rows themselves, from a tally of them."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("A percentile is a fraction from 0 to 1")
    total = sum(counts.values())
    if total == 0:
        return None
    position = fraction * (total - 1)
    below, above = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if low is None and seen > below:
            low = value
        if seen > above:
            high = value
            break
    return low + (high - low) * (position - below)
