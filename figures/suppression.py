"""Small numbers, suppressed the same way on every path (page, CSV and API).

The rule (``settings.FIGURES_SUPPRESSION``) defaults to NHS Digital's for Hospital Episode
Statistics: a count from 1 to 7 is suppressed and every other count is rounded to the
nearest 5, so 0 stays 0 and 8 is shown as 10. Secondary suppression follows the Office for
National Statistics' practice for tables with totals: wherever a suppressed cell could be
recovered by subtracting the rest of its row or column from the total, a second cell (the
smallest other non-zero one) is suppressed too, repeated until no suppressed cell stands alone.
A rate or median is suppressed when the group it is computed over, or a rate's numerator, is
a suppressed count: a rate of 3 in 40 would otherwise give the 3 away.

Symbols follow the Government Statistical Service's guidance on symbols in tables:
``[c]`` for a confidential (suppressed) value, ``[x]`` for one not available.

Only this module sees raw counts; everything it returns is safe to publish.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

SUPPRESSED = "[c]"
NOT_AVAILABLE = "[x]"


@dataclass(frozen=True)
class Rule:
    low: int = 1
    high: int = 7
    round_to: int = 5
    min_group: int = 8

    def hides(self, count: int) -> bool:
        return self.low <= count <= self.high

    def rounded(self, count: int) -> int:
        if self.round_to <= 1:
            return count
        steps = (Decimal(count) / self.round_to).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(steps) * self.round_to

    def too_small(self, group_size: int) -> bool:
        """Whether a statistic over this many people would reveal too little a group."""
        return 0 < group_size < self.min_group or self.hides(group_size)


def current_rule() -> Rule:
    config = settings.FIGURES_SUPPRESSION
    return Rule(
        low=config["LOW"],
        high=config["HIGH"],
        round_to=config["ROUND_TO"],
        min_group=config["MIN_GROUP"],
    )


@dataclass(frozen=True)
class Cell:
    """One published value: ``value`` is None when suppressed or not available."""

    value: int | float | None
    text: str
    status: str = "shown"  # "shown", "suppressed" or "not_available"

    @property
    def suppressed(self) -> bool:
        return self.status == "suppressed"


def _shown(value, text=None) -> Cell:
    return Cell(value=value, text=text if text is not None else f"{value:,}")


SUPPRESSED_CELL = Cell(value=None, text=SUPPRESSED, status="suppressed")
NOT_AVAILABLE_CELL = Cell(value=None, text=NOT_AVAILABLE, status="not_available")


def count(n: int, *, rule: Rule) -> Cell:
    """A lone count (no total it could be recovered from)."""
    if rule.hides(n):
        return SUPPRESSED_CELL
    return _shown(rule.rounded(n))


@dataclass(frozen=True)
class CountTable:
    """Cells, row totals, column totals and the grand total, all safe to publish."""

    cells: list[list[Cell]]
    row_totals: list[Cell]
    column_totals: list[Cell]
    total: Cell


def _suppressed(values: dict, constraints: list, *, rule: Rule) -> set:
    """The keys to suppress: the small counts, then (secondary suppression) a second member of
    every constraint (members, margin) that would otherwise give exactly one away."""
    hidden = {key for key, n in values.items() if rule.hides(n)}
    changed = True
    while changed:
        changed = False
        for members, margin in constraints:
            group = [*members, margin]
            if sum(1 for key in group if key in hidden) != 1:
                continue
            candidates = [key for key in members if key not in hidden]
            nonzero = [key for key in candidates if values[key] > 0]
            pick = min(nonzero or candidates, key=lambda key: values[key], default=None)
            hidden.add(pick if pick is not None else margin)
            changed = True
    return hidden


def count_table(counts: list[list[int]], *, rule: Rule) -> CountTable:
    """Suppress a table of counts with its margins: primary, then secondary suppression.

    Every row is a constraint (its cells sum to its total), every column likewise, and the
    margins are constraints of their own (row totals and column totals each sum to the grand
    total). A constraint with exactly one suppressed member gives that member away, so a
    second member is suppressed: the smallest non-zero cell, else a zero cell, else the total.
    """
    rows = len(counts)
    columns = len(counts[0]) if rows else 0
    row_totals = [sum(row) for row in counts]
    column_totals = [sum(counts[r][c] for r in range(rows)) for c in range(columns)]
    total = sum(row_totals)

    # Every value gets a key; a constraint is (list of member keys, the total's key).
    values: dict[tuple, int] = {}
    for r in range(rows):
        for c in range(columns):
            values[("cell", r, c)] = counts[r][c]
        values[("row", r)] = row_totals[r]
    for c in range(columns):
        values[("column", c)] = column_totals[c]
    values[("total",)] = total
    constraints = [([("cell", r, c) for c in range(columns)], ("row", r)) for r in range(rows)]
    constraints += [([("cell", r, c) for r in range(rows)], ("column", c)) for c in range(columns)]
    constraints.append(([("row", r) for r in range(rows)], ("total",)))
    constraints.append(([("column", c) for c in range(columns)], ("total",)))

    hidden = _suppressed(values, constraints, rule=rule)

    def publish(key) -> Cell:
        return SUPPRESSED_CELL if key in hidden else _shown(rule.rounded(values[key]))

    return CountTable(
        cells=[[publish(("cell", r, c)) for c in range(columns)] for r in range(rows)],
        row_totals=[publish(("row", r)) for r in range(rows)],
        column_totals=[publish(("column", c)) for c in range(columns)],
        total=publish(("total",)),
    )


def count_column(counts: list[int], *, rule: Rule) -> tuple[list[Cell], Cell]:
    """A single column of counts with its total (a one-column ``count_table``)."""
    table = count_table([[n] for n in counts], rule=rule)
    return [row[0] for row in table.cells], table.total


def linked_counts(
    counts: dict[str, int], sums: list[tuple[list[str], str]], *, rule: Rule
) -> dict[str, Cell]:
    """Counts of which some are sums of others, as in a funnel: ``sums`` lists each whole
    with its parts as (part keys, whole key). Suppressed as a table is, so no suppressed
    count can be recovered from a whole and the other parts."""
    hidden = _suppressed(dict(counts), sums, rule=rule)
    return {
        key: SUPPRESSED_CELL if key in hidden else _shown(rule.rounded(n))
        for key, n in counts.items()
    }


def rate(
    numerator: int,
    denominator: int,
    *,
    rule: Rule,
    per: int = 100,
    published: tuple[Cell, ...] = (),
) -> Cell:
    """A percentage (or rate per ``per``), to one decimal place. ``published`` are the
    cells its numerator and denominator are published as, if they are: a count suppressed
    only to protect another (secondary suppression) would be given away by its rate."""
    if denominator == 0:
        return NOT_AVAILABLE_CELL
    if rule.too_small(denominator) or rule.hides(numerator):
        return SUPPRESSED_CELL
    if any(cell.suppressed for cell in published):
        return SUPPRESSED_CELL
    value = round(numerator * per / denominator, 1)
    suffix = "%" if per == 100 else ""
    return _shown(value, f"{value:,.1f}{suffix}")


def statistic(
    value,
    *,
    group_size: int,
    rule: Rule,
    decimals: int = 1,
    unit: str = "",
    published: tuple[Cell, ...] = (),
) -> Cell:
    """A median, mean or percentile over ``group_size`` people; ``published`` is the cell
    the group's count is published as, if it is (suppressed there, suppressed here)."""
    if group_size == 0 or value is None:
        return NOT_AVAILABLE_CELL
    if rule.too_small(group_size) or any(cell.suppressed for cell in published):
        return SUPPRESSED_CELL
    shown = round(float(value), decimals)
    if decimals == 0:
        shown = int(shown)
    text = f"{shown:,.{decimals}f}" + (f" {unit}" if unit else "")
    return _shown(shown, text)
