"""SQL aggregates the figure sets compute in the database, never over rows in Python."""

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


class Median(Percentile):
    def __init__(self, expression, **extra):
        super().__init__(expression, 0.5, **extra)


class DaysBetween(Func):
    """Whole days from ``start`` to ``end`` (two date columns): PostgreSQL's ``date - date``
    is an integer, and null when either is."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)
