"""The Serious Violence Duty context: the area measures the partnership imports (hospital
admissions for assault with a sharp object, police-recorded knife crime, homicides, the
strategic needs assessment's costs), shown over time with their sources, beside the
partnership's own referrals each month.

The measures are published aggregate statistics, not about anyone: they are shown as
published, not suppressed. The referral counts are the partnership's own records and pass
through ``figures.suppression`` like every other count.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from figures import guard
from figures.facts.referrals import referral_tally, submitted_tally
from figures.filters import Filters
from figures.models import AreaMeasure, MeasureArea, MeasureKind
from figures.report import Chart, Column, Report, Row, Table, register_set
from figures.suppression import NOT_AVAILABLE_CELL, Cell, Rule, count_column

KEY = "duty"
TITLE = "Serious Violence Duty context"
MONEY = {MeasureKind.ANNUAL_COST, MeasureKind.COST_PER_RESIDENT}


def _referrals_by_month(filters: Filters) -> dict:
    """Submitted referrals per month (raw counts, to be suppressed), from the referral tally
    the referrals set reads, so the two sets count alike."""
    grouped = (
        referral_tally(filters, "stage")
        .filter(value="submitted")
        .values("month")
        .annotate(n=Sum("n"))
        .order_by()
    )
    return {row["month"]: row["n"] for row in grouped}


def _as_published(value: Decimal, *, money: bool) -> Cell:
    """A published statistic as its source gave it: never suppressed or rounded."""
    whole = value == value.to_integral_value()
    number = int(value) if whole else float(value)
    text = f"{number:,}" if whole else f"{number:,.2f}"
    return Cell(value=number, text=f"£{text}" if money else text)


def _period_words(start, end) -> str:
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%B %Y}"
    return f"{start:%B %Y} to {end:%B %Y}"


def _measures_table(filters: Filters) -> tuple[Table, list[str]]:
    """Period by measure (and area, when more than one is shown), with each source."""
    measures = AreaMeasure.objects.filter(
        period_end__gte=filters.first_month, period_start__lt=filters.period_end
    )
    if filters.area:
        measures = measures.filter(area=filters.area)
    measures = list(measures.order_by("period_start", "period_end", "measure", "other_name"))
    areas = {m.area for m in measures}
    columns: dict[tuple, Column] = {}
    sources: dict[tuple, set] = defaultdict(set)
    values: dict[tuple, dict] = defaultdict(dict)
    periods: dict[tuple, str] = {}
    order = {kind.value: i for i, kind in enumerate(MeasureKind)}
    for m in sorted(measures, key=lambda m: (order[m.measure], m.other_name, m.area)):
        column = (m.measure, m.other_name, m.area)
        label = m.name if len(areas) == 1 else f"{m.name} ({MeasureArea(m.area).label})"
        key = f"{m.measure}-{m.area}" + (f"-{len(columns)}" if m.other_name else "")
        columns.setdefault(column, Column(key, label, "money" if m.measure in MONEY else "value"))
        period = (m.period_start, m.period_end)
        periods[period] = _period_words(*period)
        values[period][column] = _as_published(m.value, money=m.measure in MONEY)
        sources[column].add(
            f"{m.source}, published {m.source_date.day} {m.source_date:%B %Y} ({m.unit})"
        )
    rows = [
        Row(
            key=f"{start:%Y-%m}_{end:%Y-%m}",
            label=periods[(start, end)],
            cells=[values[(start, end)].get(column, NOT_AVAILABLE_CELL) for column in columns],
        )
        for start, end in sorted(periods)
    ]
    counts = [c.key for c in columns.values() if c.kind != "money"]
    chart_series = counts or [c.key for c in columns.values()]
    notes = [
        "Published statistics, shown as their sources published them: they are counts for "
        "whole areas, not about anyone, so they are not suppressed or rounded.",
        "Each figure covers the period in its row (a year's figure spans 12 months); periods "
        "overlapping the chosen months are shown. Area measures are not counted by pathway.",
        *(
            f"{columns[column].label}: {'; '.join(sorted(found))}."
            for column, found in sources.items()
        ),
    ]
    summary = []
    for column, spec in columns.items():
        shown = [(periods[p], values[p][column]) for p in sorted(periods) if column in values[p]]
        if len(shown) >= 2:
            (first_period, first), (last_period, last) = shown[0], shown[-1]
            summary.append(
                f"{spec.label}: {first.text} in {first_period}, {last.text} in {last_period}."
            )
        elif shown:
            summary.append(f"{spec.label}: {shown[0][1].text} in {shown[0][0]}.")
    if not measures:
        latest = AreaMeasure.objects.order_by("-period_end").first()
        summary.append(
            "No imported area measure covers this period"
            + (
                f"; the latest covers {_period_words(latest.period_start, latest.period_end)}."
                if latest
                else "; none have been imported yet."
            )
        )
    table = Table(
        key="measures",
        title="Serious Violence Duty area measures",
        row_heading="Period",
        columns=list(columns.values()),
        rows=rows,
        chart=Chart(
            kind="line",
            series=chart_series,
            description="Area measures of serious violence in each period"
            + (
                " (counts; costs are in the table)" if counts and len(counts) < len(columns) else ""
            ),
        )
        if columns
        else None,
        notes=notes,
    )
    return table, summary


def _referrals_table(filters: Filters, rule: Rule) -> tuple[Table, list[str]]:
    by_month = _referrals_by_month(filters)
    months = filters.months
    cells, total = count_column([by_month.get(m, 0) for m in months], rule=rule)
    rows = [
        Row(key=f"{m:%Y-%m}", label=f"{m:%B %Y}", cells=[cell])
        for m, cell in zip(months, cells, strict=True)
    ]
    rows.append(Row(key="total", label="Total", cells=[total], is_total=True))
    summary = []
    if total.suppressed:
        summary.append("The number of referrals in the period is too small to publish.")
    elif total.value is not None:
        summary.append(f"The partnership received {total.text} referrals in the period.")
    shown = [(m, c) for m, c in zip(months, cells, strict=True) if c.value is not None]
    if len(shown) >= 2 and shown[0][0] != shown[-1][0]:
        (first_month, first), (last_month, last) = shown[0], shown[-1]
        if last.value == first.value:
            summary.append(
                f"Referrals were {first.text} in {first_month:%B %Y} and in {last_month:%B %Y}."
            )
        else:
            direction = "rose" if last.value > first.value else "fell"
            summary.append(
                f"Referrals {direction} from {first.text} in {first_month:%B %Y} to "
                f"{last.text} in {last_month:%B %Y}."
            )
    table = Table(
        key="referrals",
        title="Referrals to the partnership each month",
        row_heading="Month",
        columns=[Column("referrals", "Referrals")],
        rows=rows,
        chart=Chart(
            kind="line", series=["referrals"], description="Referrals to the partnership each month"
        ),
        notes=[
            "Each referral submitted to the partnership, in the month it was submitted "
            "(drafts are not counted), as in the referrals figures.",
            "Counts from the partnership's records are suppressed and rounded.",
        ],
    )
    return table, summary


def build(*, filters: Filters, rule: Rule) -> Report:
    guard.require_no_small_groups(
        filters=filters, facts=submitted_tally(), rule=rule, counted="referrals", weight="n"
    )
    measures, measures_summary = _measures_table(filters)
    referrals, referrals_summary = _referrals_table(filters, rule)
    return Report(
        key=KEY,
        title=TITLE,
        filters=filters,
        summary=[*measures_summary, *referrals_summary],
        tables=[measures, referrals],
        notes=[
            "The area measures are the Serious Violence Duty's published context (Home "
            "Office, Serious Violence Duty statutory guidance, 2022): what the partnership's "
            "referrals sit beside, not something they caused. Comparing the two is "
            "observational.",
        ],
    )


register_set(
    key=KEY,
    title=TITLE,
    description=(
        "Published area measures of serious violence (sharp-object hospital admissions, "
        "knife crime, homicides, the strategic needs assessment's costs) over time, with "
        "their sources, beside the partnership's referrals each month."
    ),
    build=build,
    order=70,
)
