"""Outcomes: distance travelled per measure and intervention, with the number of people and
a 95% confidence interval of the mean change; and re-referral within 12 months for referrals
that led to an allocation beside those that did not (the comparison group: observational,
not causal)."""

from django.db.models import Case, DecimalField, ExpressionWrapper, F, Sum, When
from django.utils import timezone

from figures import guard
from figures.filters import Filters
from figures.intervals import mean_interval, square_root
from figures.models import FollowUpTally, OutcomeTally
from figures.report import Chart, Column, Report, Row, Table, register_set
from figures.suppression import (
    NOT_AVAILABLE_CELL,
    SUPPRESSED_CELL,
    Cell,
    Rule,
    count,
    count_table,
    rate,
    statistic,
)
from interventions.models import Intervention, OutcomeMeasure
from referrals.pathways import one_year_before

DECIMALS = 2

DISTANCE_COLUMNS = [
    Column("people", "People"),
    Column("mean_change", "Mean change (positive is better)", "value"),
    Column("lower", "95% confidence interval: lower", "value"),
    Column("upper", "95% confidence interval: upper", "value"),
]

OBSERVATIONAL = (
    "Observational, not causal: people who were allocated an intervention differ from "
    "those who were not (the panel chose whom to allocate), so a difference in re-referral "
    "does not show what the interventions achieved."
)


def _distance_cells(row, rule: Rule) -> list[Cell]:
    n = row["n"]
    people = count(n, rule=rule)
    if people.suppressed:
        return [SUPPRESSED_CELL] * 4
    mean = statistic(row["mean"], group_size=n, rule=rule, decimals=DECIMALS)
    interval = mean_interval(mean=row["mean"], sd=row["sd"], n=n)
    if mean.status != "shown" or interval is None:
        bounds = [mean if mean.status != "shown" else NOT_AVAILABLE_CELL] * 2
    else:
        bounds = [
            statistic(bound, group_size=n, rule=rule, decimals=DECIMALS) for bound in interval
        ]
    return [people, mean, *bounds]


def _statistics(filters: Filters, *group: str) -> list[dict]:
    """Per group: how many, their mean change and its sample standard deviation, from the
    tally's counts, sums and sums of squares with PostgreSQL's own arithmetic, so the same
    digits as ``avg`` and ``stddev_samp`` over the facts: the mean is the sum divided by
    the count; the variance is (n * sum of squares - sum * sum) / (n * (n - 1)), none under
    two, and nought when that numerator is not positive
    (``figures.intervals.square_root`` takes the root as ``stddev_samp`` does)."""
    n, total, squares = F("n"), F("total"), F("squares")
    found = (
        filters.narrow(OutcomeTally.objects.all())
        .values(*group)
        .annotate(n=Sum("n"), total=Sum("change_sum"), squares=Sum("change_squares"))
        .filter(n__gt=0)
        .annotate(
            mean=ExpressionWrapper(total / n, output_field=DecimalField()),
            variance=Case(
                When(
                    n__gte=2,
                    then=ExpressionWrapper(
                        (n * squares - total * total) / (n * (n - 1)),
                        output_field=DecimalField(),
                    ),
                ),
                output_field=DecimalField(),
            ),
        )
        .order_by()
    )
    return [
        {
            **{key: row[key] for key in group},
            "n": row["n"],
            "mean": row["mean"],
            "sd": None if row["variance"] is None else square_root(row["variance"]),
        }
        for row in found
    ]


def _distance(filters: Filters, rule: Rule) -> tuple[Table, Table]:
    by_measure = _statistics(filters, "measure_id")
    by_pair = _statistics(filters, "measure_id", "intervention_id")
    measures = dict(
        OutcomeMeasure.objects.filter(pk__in={r["measure_id"] for r in by_measure}).values_list(
            "pk", "name"
        )
    )
    interventions = {
        entry["pk"]: f"{entry['name']} ({entry['provider__name']})"
        for entry in Intervention.objects.filter(
            pk__in={r["intervention_id"] for r in by_pair if r["intervention_id"]}
        ).values("pk", "name", "provider__name")
    }

    def intervention_name(pk):
        return interventions.get(pk, "No intervention named")

    by_measure.sort(key=lambda r: measures[r["measure_id"]])
    by_pair.sort(key=lambda r: (measures[r["measure_id"]], intervention_name(r["intervention_id"])))
    notes = [
        "One row per case and measure with a baseline and at least one follow-up, counted in "
        "the month of the latest follow-up: the change is the latest follow-up less the "
        "baseline, with its sign turned where a lower value is better, so a positive change "
        "is always an improvement. A person is counted once per case.",
        "The 95% confidence interval of the mean uses Student's t-distribution with one "
        "degree of freedom fewer than the number of people (for 8 people the mean plus or "
        "minus 2.365 standard errors), not the normal approximation, which understates the "
        "uncertainty for small groups. Mean and interval are shown only where the number of "
        "people is; an interval needs at least two people.",
    ]
    overall = Table(
        key="distance_by_measure",
        title="Distance travelled by measure",
        row_heading="Measure",
        columns=DISTANCE_COLUMNS,
        rows=[
            Row(
                key=str(r["measure_id"]),
                label=measures[r["measure_id"]],
                cells=_distance_cells(r, rule),
            )
            for r in by_measure
        ],
        chart=Chart(
            kind="bar",
            series=["mean_change"],
            description="Mean change per outcome measure (positive is better)",
        ),
        notes=notes,
    )
    per_intervention = Table(
        key="distance_by_intervention",
        title="Distance travelled by measure and intervention",
        row_heading="Measure: intervention (provider)",
        columns=DISTANCE_COLUMNS,
        rows=[
            Row(
                key=f"{r['measure_id']}-{r['intervention_id'] or 'none'}",
                label=f"{measures[r['measure_id']]}: {intervention_name(r['intervention_id'])}",
                cells=_distance_cells(r, rule),
            )
            for r in by_pair
        ],
        notes=[
            "The intervention is the one whose allocation the latest follow-up (or else the "
            "baseline) was recorded through; outcomes recorded outside an allocation are "
            "under 'No intervention named'.",
        ],
    )
    return overall, per_intervention


RE_REFERRAL_COLUMNS = [
    Column("referrals", "Referrals counted"),
    Column("referred_again", "Referred again within 12 months"),
    Column("not_referred_again", "Not referred again within 12 months"),
    Column("re_referral_rate", "Re-referral rate", "rate"),
]


def _follow_ups(filters: Filters) -> dict[bool, dict]:
    """Allocated or not: the referrals counted and those referred again."""
    tallied = filters.narrow(FollowUpTally.objects.all()).filter(
        # Only once the 12 months after the referral are over can it be counted either way.
        referred_on__lt=one_year_before(timezone.localdate()),
    )
    return {
        row["allocated"]: row
        for row in tallied.values("allocated")
        .annotate(n=Sum("n"), again=Sum("again"))
        .filter(n__gt=0)
        .order_by()
    }


def _re_referral(filters: Filters, rule: Rule) -> Table:
    found = _follow_ups(filters)
    groups = [
        (True, "allocated", "Allocated an intervention"),
        (False, "comparison", "Referred but not allocated (comparison group)"),
    ]
    raw = []
    for allocated, _, _ in groups:
        row = found.get(allocated, {"n": 0, "again": 0})
        raw.append([row["again"], row["n"] - row["again"]])
    table = count_table(raw, rule=rule)

    def cells(again_cell, not_again_cell, total_cell, again, n):
        if total_cell.suppressed or again_cell.suppressed:
            share = SUPPRESSED_CELL if n else NOT_AVAILABLE_CELL
        else:
            share = rate(again, n, rule=rule)
        return [total_cell, again_cell, not_again_cell, share]

    rows = [
        Row(
            key=key,
            label=label,
            cells=cells(*table.cells[i], table.row_totals[i], raw[i][0], sum(raw[i])),
        )
        for i, (_, key, label) in enumerate(groups)
    ]
    rows.append(
        Row(
            key="total",
            label="All referrals counted",
            cells=cells(
                *table.column_totals,
                table.total,
                raw[0][0] + raw[1][0],
                sum(map(sum, raw)),
            ),
            is_total=True,
        )
    )
    return Table(
        key="re_referral",
        title=(
            "Re-referral within 12 months, allocated an intervention beside people referred "
            "but not allocated (observational, not causal)"
        ),
        row_heading="Referrals",
        columns=RE_REFERRAL_COLUMNS,
        rows=rows,
        chart=Chart(
            kind="bar",
            series=["re_referral_rate"],
            description=(
                "Re-referral rate within 12 months, allocated beside not allocated "
                "(observational, not causal)"
            ),
        ),
        notes=[
            OBSERVATIONAL,
            "Each submitted referral made in the period is counted once (drafts are not), in "
            "the month it was made, but only once 12 months have passed since it: referrals "
            "younger than that are left out of the counts and the rate, as whether they will "
            "be followed by another is not yet known.",
            "Allocated: an intervention was allocated on the referral's case on or after the "
            "referral date and before the person's next referral to that case, whatever "
            "became of the allocation. Referred "
            "again: another submitted referral of the same person record dated after it and "
            "no more than 12 months later.",
        ],
    )


def build(*, filters: Filters, rule: Rule) -> Report:
    guard.require_no_small_groups(
        filters=filters,
        facts=OutcomeTally.objects.all(),
        rule=rule,
        counted="outcome measurements",
        weight="n",
    )
    guard.require_no_small_groups(
        filters=filters,
        facts=FollowUpTally.objects.all(),
        rule=rule,
        counted="referrals",
        weight="n",
    )
    overall, per_intervention = _distance(filters, rule)
    re_referral = _re_referral(filters, rule)
    return Report(
        key="outcomes",
        title="Outcomes",
        filters=filters,
        summary=_summary(overall, re_referral),
        tables=[overall, per_intervention, re_referral],
        notes=[
            OBSERVATIONAL,
            "Counts from 1 to 7 are suppressed ([c]) and other counts rounded to the nearest "
            "5; means and intervals over suppressed groups are suppressed too. [x]: not "
            "available.",
        ],
    )


def _summary(overall: Table, re_referral: Table) -> list[str]:
    """Sentences from published cells only."""
    sentences = []
    shown = [r for r in overall.rows if r.cells[1].status == "shown"]
    hidden = [r for r in overall.rows if r.cells[1].suppressed]
    for row in shown:
        people, mean, lower, upper = row.cells
        interval = (
            f" (95% confidence interval {lower.text} to {upper.text})"
            if lower.status == "shown"
            else ""
        )
        if lower.status != "shown":
            direction = "too few people for an interval"
        elif lower.value > 0:
            direction = "an improvement: the whole interval is above no change"
        elif upper.value < 0:
            direction = "a worsening: the whole interval is below no change"
        else:
            direction = "the interval includes no change"
        sentences.append(
            f"{row.label}: a mean change of {mean.text}{interval} over {people.text} people, "
            f"{direction}."
        )
    if hidden:
        sentences.append(
            f"Figures for {len(hidden)} measure{'s' if len(hidden) != 1 else ''} are "
            "suppressed: too few people."
        )
    if not overall.rows:
        sentences.append("No distance travelled was recorded in the period.")
    allocated = re_referral.cell("allocated", "re_referral_rate")
    comparison = re_referral.cell("comparison", "re_referral_rate")
    if allocated.status == "shown" and comparison.status == "shown":
        sentences.append(
            f"{allocated.text} of referrals that led to an allocation were followed by "
            f"another within 12 months, against {comparison.text} of referrals that did not. "
            "This is observational, not causal."
        )
    elif allocated.suppressed or comparison.suppressed:
        sentences.append(
            "Re-referral within 12 months is suppressed for at least one group: too few referrals."
        )
    return sentences


register_set(
    key="outcomes",
    title="Outcomes",
    description=(
        "Distance travelled per outcome measure and intervention, with 95% confidence "
        "intervals, and re-referral within 12 months beside a comparison group of people "
        "referred but not allocated (observational, not causal)."
    ),
    build=build,
    order=50,
)
