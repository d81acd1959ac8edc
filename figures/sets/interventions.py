"""Interventions: per catalogue entry, the allocations made, places used against capacity,
completion, disengagement and did-not-attend rates, and cost per completion where the
annual funding is recorded.

Organisation and intervention names are the partnership's catalogue, not personal data.
"""

import datetime
from decimal import Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from figures import guard
from figures.facts.allocations import EPOCH
from figures.filters import Filters
from figures.models import AllocationTally
from figures.report import Chart, Column, Report, Row, Table, register_set
from figures.suppression import (
    NOT_AVAILABLE_CELL,
    SUPPRESSED_CELL,
    Cell,
    Rule,
    count,
    count_column,
    rate,
    statistic,
)
from interventions.models import Intervention


def published_rate(numerator: int, denominator: int, *cells: Cell, rule: Rule) -> Cell:
    """A rate over counts, suppressed also when any published count it is made of (passed
    in ``cells``) was suppressed, primary or secondary, so the rate cannot give it away."""
    if denominator and any(cell.suppressed for cell in cells):
        return SUPPRESSED_CELL
    return rate(numerator, denominator, rule=rule)


def percent(value, *, group_size: int, rule: Rule) -> Cell:
    cell = statistic(value, group_size=group_size, rule=rule, decimals=1)
    if cell.status != "shown":
        return cell
    return Cell(value=cell.value, text=f"{cell.value:,.1f}%")


def money(value: Decimal) -> Cell:
    pounds = int(value.quantize(Decimal(1)))
    return Cell(value=pounds, text=f"£{pounds:,}")


def plain(n: int) -> Cell:
    """A catalogue number (a capacity), not a count of people: shown as it is."""
    return Cell(value=n, text=f"{n:,}")


COLUMNS = [
    Column("allocations", "Allocations made"),
    Column("started", "Started"),
    Column("completed", "Completed"),
    Column("completion_rate", "Completion rate", "rate"),
    Column("disengagement_rate", "Disengagement rate", "rate"),
    Column("did_not_attend_rate", "Did-not-attend rate", "rate"),
    Column("places_in_use", "Places in use (average)", "value"),
    Column("capacity", "Places (capacity)", "value"),
    Column("places_used", "Places used against capacity", "rate"),
    Column("completions_in_period", "Completions in the period"),
    Column("cost_per_completion", "Cost per completion", "money"),
]


TOTALLED = (
    "allocations",
    "started",
    "completed",
    "disengaged",
    "attended",
    "missed",
    "with_contacts",
    "holders",
    "place_days",
    "completions",
)


def _figures(filters: Filters):
    """Per intervention: the allocations made in the period, the places held during it and
    the completions during it, from the tally (``figures.facts.allocations.TALLY``).

    Places are counted over the period's days up to today: a place held now has not yet
    been used for the rest of the month. A place is held from its first day ``f`` up to,
    not including, its last ``u`` (none while held), and ``f <= u`` (it ends after it is
    first offered). So over the period ``[S, E)`` the places held are those first offered
    before ``E`` less those that ended on or before ``S``, and their days held are
    ``L(E) - L(S)``, where ``L(t)``, the days held before ``t``, adds up ``t - f`` over
    places first offered before ``t`` less ``t - u`` over places that ended before ``t``:
    counts and sums of days per month, since ``S`` is a month's first day and ``E`` one too
    or tomorrow (every day a fact holds is today or earlier)."""
    start = filters.first_month
    end = min(filters.period_end, timezone.localdate() + datetime.timedelta(days=1))
    made = Q(month__gte=filters.first_month)
    before = Q(month__lt=filters.first_month)

    def total(column, condition=None):
        return Coalesce(Sum(column, filter=condition), 0)

    rows = (
        filters.narrow(AllocationTally.objects.all(), by_month=False)
        # Every month before the period's end (the last is today's at the latest).
        .filter(month__lt=filters.period_end)
        .values("intervention_id")
        .annotate(
            n_allocations=total("allocations", made),
            n_started=total("started", made),
            n_completed=total("completed", made),
            n_disengaged=total("disengaged", made),
            n_attended=total("attended", made),
            n_missed=total("missed", made),
            n_with_contacts=total("with_contacts", made),
            n_completions=total("completions", made),
            from_by_end=total("places_from"),
            from_days_by_end=total("from_days"),
            until_by_end=total("places_until"),
            until_days_by_end=total("until_days"),
            from_by_start=total("places_from", before),
            from_days_by_start=total("from_days", before),
            until_by_start=total("places_until", before),
            until_days_by_start=total("until_days", before),
            until_on_start=total("until_first_day", Q(month=filters.first_month)),
        )
        .order_by()
    )
    s, e = (start - EPOCH).days, (end - EPOCH).days

    def days_held_before(t, places_from, from_days, places_until, until_days):
        return (t * places_from - from_days) - (t * places_until - until_days)

    found = {}
    for row in rows:
        figures = {key.removeprefix("n_"): row[key] for key in row if key.startswith("n_")}
        figures["holders"] = row["from_by_end"] - row["until_by_start"] - row["until_on_start"]
        figures["place_days"] = days_held_before(
            e,
            row["from_by_end"],
            row["from_days_by_end"],
            row["until_by_end"],
            row["until_days_by_end"],
        ) - days_held_before(
            s,
            row["from_by_start"],
            row["from_days_by_start"],
            row["until_by_start"],
            row["until_days_by_start"],
        )
        if figures["allocations"] or figures["holders"] or figures["completions"]:
            found[row["intervention_id"]] = figures
    return found, (end - start).days


def build(*, filters: Filters, rule: Rule) -> Report:
    guard.require_no_small_groups(
        filters=filters,
        facts=AllocationTally.objects.all(),
        rule=rule,
        counted="allocations",
        weight="allocations",
    )
    found, period_days = _figures(filters)
    catalogue = {
        entry["pk"]: entry
        for entry in Intervention.objects.filter(pk__in=found).values(
            "pk", "name", "provider__name", "capacity", "annual_funding"
        )
    }
    ids = sorted(catalogue, key=lambda pk: (catalogue[pk]["provider__name"], catalogue[pk]["name"]))
    rows_found = [found[pk] for pk in ids]
    allocations, allocations_total = count_column([r["allocations"] for r in rows_found], rule=rule)
    started, started_total = count_column([r["started"] for r in rows_found], rule=rule)
    completed, completed_total = count_column([r["completed"] for r in rows_found], rule=rule)
    in_period, in_period_total = count_column([r["completions"] for r in rows_found], rule=rule)
    # Capacity is shared by every area and pathway: against a part of the people using it,
    # it would mislead.
    whole_partnership = not filters.area and not filters.pathway
    months = len(filters.months)

    def row_cells(r, capacity, funding, cells):
        allocations_cell, started_cell, completed_cell, in_period_cell = cells
        holders = r["holders"]
        in_use = r["place_days"] / period_days
        cost = NOT_AVAILABLE_CELL
        if funding is not None and whole_partnership:
            if in_period_cell.suppressed:
                cost = SUPPRESSED_CELL
            elif in_period_cell.value:
                # Divided by completions as published (rounded), so that the exact count
                # cannot be worked back from the cost.
                cost = money(funding * months / 12 / in_period_cell.value)
        return [
            allocations_cell,
            started_cell,
            completed_cell,
            published_rate(r["completed"], r["started"], completed_cell, started_cell, rule=rule),
            published_rate(r["disengaged"], r["started"], started_cell, rule=rule),
            (
                SUPPRESSED_CELL
                if rule.too_small(r["with_contacts"])
                else rate(r["missed"], r["attended"] + r["missed"], rule=rule)
            ),
            statistic(in_use, group_size=holders, rule=rule, decimals=1),
            plain(capacity),
            (
                percent(in_use * 100 / capacity, group_size=holders, rule=rule)
                if whole_partnership and capacity
                else NOT_AVAILABLE_CELL
            ),
            in_period_cell,
            cost,
        ]

    rows = []
    for index, pk in enumerate(ids):
        entry = catalogue[pk]
        rows.append(
            Row(
                key=str(pk),
                label=f"{entry['name']} ({entry['provider__name']})",
                cells=row_cells(
                    rows_found[index],
                    entry["capacity"],
                    entry["annual_funding"],
                    (allocations[index], started[index], completed[index], in_period[index]),
                ),
            )
        )
    totals = {key: sum(r[key] for r in rows_found) for key in TOTALLED}
    funded = [pk for pk in ids if catalogue[pk]["annual_funding"] is not None]
    total_cells = row_cells(
        totals,
        sum(catalogue[pk]["capacity"] for pk in ids),
        None,
        (allocations_total, started_total, completed_total, in_period_total),
    )
    if funded and whole_partnership:
        funded_completions = count(sum(found[pk]["completions"] for pk in funded), rule=rule)
        funding = sum(catalogue[pk]["annual_funding"] for pk in funded)
        if funded_completions.suppressed:
            total_cells[-1] = SUPPRESSED_CELL
        elif funded_completions.value:
            total_cells[-1] = money(funding * months / 12 / funded_completions.value)
    rows.append(Row(key="total", label="All interventions", cells=total_cells, is_total=True))

    table = Table(
        key="interventions",
        title="Allocations, completion and places by intervention",
        row_heading="Intervention (provider)",
        columns=COLUMNS,
        rows=rows,
        chart=Chart(
            kind="bar",
            series=["allocations"],
            description="Allocations made in the period, by intervention",
        ),
        notes=[
            "Allocations, started, completed, and the completion, disengagement and "
            "did-not-attend rates are about the allocations made in the period (counted in "
            "the month the allocation was proposed), whatever has happened to them since.",
            "Completion rate: completed allocations as a share of those that started. "
            "Disengagement rate: allocations that ended because the person disengaged, as "
            "a share of those that started. The rest are still active or were withdrawn.",
            "Did-not-attend rate: contacts the person did not attend, as a share of contacts "
            "attended or not attended; contacts cancelled in advance by either side are "
            "neither. Suppressed when fewer allocations than the minimum group had contacts.",
            "Places in use: the average number of places held (offered, accepted or active) "
            "on each day of the period up to today. Places used against capacity divides it "
            "by the intervention's capacity as recorded in the catalogue now; capacity is "
            "shared by every area and pathway, so it is shown for the whole partnership only.",
            "Cost per completion: the annual funding recorded in the catalogue, pro-rated to "
            "the period's months (a twelfth per month), divided by the allocations completed "
            "during the period (whenever they were made) as published, after rounding. Shown "
            "only where the funding is recorded, for the whole partnership (funding is not "
            "split by area or pathway), and suppressed when those completions are.",
        ],
    )
    return Report(
        key="interventions",
        title="Interventions",
        filters=filters,
        summary=_summary(filters, rows),
        tables=[table],
        notes=[
            "Counts from 1 to 7 are suppressed ([c]) and other counts rounded to the nearest "
            "5; rates and averages over suppressed groups are suppressed too. [x]: not "
            "available.",
        ],
    )


def _summary(filters: Filters, rows: list[Row]) -> list[str]:
    """Sentences from published cells only."""
    keys = [c.key for c in COLUMNS]
    total = rows[-1]

    def cell(row, key):
        return row.cells[keys.index(key)]

    sentences = []
    made = cell(total, "allocations")
    period = filters.in_words()
    if made.suppressed:
        sentences.append(f"The number of allocations made ({period}) is suppressed.")
    else:
        sentences.append(f"{made.text} allocations were made ({period}).")
    completion = cell(total, "completion_rate")
    disengagement = cell(total, "disengagement_rate")
    if completion.status == "shown" and disengagement.status == "shown":
        sentences.append(
            f"Of those that started, {completion.text} were completed and "
            f"{disengagement.text} ended with the person disengaging."
        )
    elif completion.suppressed or disengagement.suppressed:
        sentences.append(
            "Completion and disengagement rates over all interventions are suppressed."
        )
    shown = [r for r in rows[:-1] if cell(r, "completion_rate").status == "shown"]
    if shown:
        best = max(shown, key=lambda r: cell(r, "completion_rate").value)
        sentences.append(
            f"The highest published completion rate was {best.label}'s, "
            f"at {cell(best, 'completion_rate').text}."
        )
    dna = cell(total, "did_not_attend_rate")
    if dna.status == "shown":
        sentences.append(f"{dna.text} of contacts were not attended.")
    return sentences


register_set(
    key="interventions",
    title="Interventions",
    description=(
        "Allocations, completion, disengagement and did-not-attend rates, places used "
        "against capacity and cost per completion, by intervention and provider."
    ),
    build=build,
    order=40,
)
