"""What a figure set answers: tables of published cells, a chart drawn from a table, and a
text summary, all built only from values that have already been suppressed. The page, the
CSV and the API are three renderings of the same ``Report``, so they cannot differ."""

from collections.abc import Callable
from dataclasses import dataclass, field

from figures.filters import Filters
from figures.suppression import Cell


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # "count", "rate" (a percentage), "days", "money", "value" or "interval"
    kind: str = "count"


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    cells: list[Cell]
    is_total: bool = False


@dataclass(frozen=True)
class Chart:
    """Drawn from the table's own cells: ``series`` are the column keys plotted, one line or
    bar per column, with the rows along the horizontal axis (totals are not plotted)."""

    kind: str  # "bar" or "line"
    series: list[str]
    description: str  # what the chart shows, for its accessible name


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    row_heading: str
    columns: list[Column]
    rows: list[Row]
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)

    def cell(self, row_key: str, column_key: str) -> Cell:
        index = [c.key for c in self.columns].index(column_key)
        return next(r for r in self.rows if r.key == row_key).cells[index]


@dataclass(frozen=True)
class Report:
    key: str
    title: str
    filters: Filters
    summary: list[str]
    tables: list[Table]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FigureSet:
    key: str
    title: str
    description: str
    build: Callable[..., Report]  # build(*, filters, rule) -> Report
    order: int


_sets: dict[str, FigureSet] = {}


def register_set(*, key: str, title: str, description: str, build, order: int) -> None:
    figure_set = FigureSet(key, title, description, build, order)
    if key in _sets and _sets[key] != figure_set:
        raise ValueError(f"a second figure set {key!r}")
    _sets[key] = figure_set


def figure_sets() -> list[FigureSet]:
    return sorted(_sets.values(), key=lambda s: s.order)


def figure_set(key: str) -> FigureSet | None:
    return _sets.get(key)
