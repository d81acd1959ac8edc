"""How quickly people are seen: the median and 90th percentile of the days each step takes,
from a referral's submission to screening, to a panel decision, to the first contact the
person attended, and the days spent on a waiting list for a place."""

from django.db.models import Sum

from figures import guard, suppression
from figures.aggregates import percentile_of_counts
from figures.facts.referrals import STEPS as STEP_DAYS
from figures.facts.referrals import referral_tally, submitted_tally
from figures.report import Chart, Column, Report, Row, Table, register_set
from referrals.pathways import Pathway

COUNTED = "referrals"

# The steps (figures.facts.referrals.STEPS says which referrals each is over), in order.
STEP_LABELS = {
    "screening": "Referral submitted to screening decision",
    "decision": "Screening to panel decision",
    "contact": "Panel decision to first attended contact",
    "waiting": "Days on a waiting list",
}
STEPS = [(key, STEP_LABELS[key]) for key in STEP_DAYS]
COLUMNS = [
    Column(key="referrals", label="Referrals"),
    Column(key="median", label="Median days", kind="days"),
    Column(key="p90", label="90th percentile days", kind="days"),
]
NOTES = [
    "Days are calendar days between the two dates. Half of the referrals took the median "
    "or fewer; nine in ten took the 90th percentile or fewer.",
    "Each step is counted over the referrals submitted in the period that have taken it: "
    "screening over those screened, the panel decision over those accepted and decided "
    "(a deferral is not a decision), first attended contact over those whose case the panel "
    "opened, and the waiting list over those offered a place after waiting for one.",
    "A median or percentile over fewer than 8 referrals, or over a count that is hidden, is "
    "shown as [c]. Counts from 1 to 7 are shown as [c] and other counts are rounded to the "
    "nearest 5.",
]


def _days_taken(filters) -> dict[tuple[str, str], dict[int, int]]:
    """(step, pathway) -> {days: how many referrals took that many}."""
    taken: dict[tuple[str, str], dict[int, int]] = {}
    for row in (
        # Each step's measure by name, so the tally's unique index finds them.
        referral_tally(filters, *(f"days:{step}" for step in STEP_DAYS))
        .values("measure", "pathway", "value")
        .annotate(n=Sum("n"))
        .filter(n__gt=0)
        .order_by()
    ):
        step = row["measure"].removeprefix("days:")
        taken.setdefault((step, row["pathway"]), {})[int(row["value"])] = row["n"]
    return taken


def _measures(counts: dict[int, int]) -> dict:
    return {
        "n": sum(counts.values()),
        "median": percentile_of_counts(counts, 0.5),
        "p90": percentile_of_counts(counts, 0.9),
    }


def _merged(histograms) -> dict[int, int]:
    merged: dict[int, int] = {}
    for histogram in histograms:
        for days, n in histogram.items():
            merged[days] = merged.get(days, 0) + n
    return merged


def build(*, filters, rule) -> Report:
    guard.require_no_small_groups(
        filters=filters, facts=submitted_tally(), rule=rule, counted=COUNTED, weight="n"
    )
    taken = _days_taken(filters)
    pathways = list(Pathway) if not filters.pathway else [Pathway(filters.pathway)]
    summary_rows, step_tables = [], []
    for key, label in STEPS:
        by_pathway = {p.value: _measures(taken.get((key, p.value), {})) for p in pathways}
        overall = _measures(_merged(taken.get((key, p.value), {}) for p in pathways))
        counts, total = suppression.count_column(
            [by_pathway[p.value]["n"] for p in pathways], rule=rule
        )
        summary_rows.append(_row(key, label, overall, total, rule))
        rows = [
            _row(p.value, p.label, by_pathway[p.value], cell, rule)
            for p, cell in zip(pathways, counts, strict=True)
        ]
        rows.append(_row("total", "All pathways", overall, total, rule, is_total=True))
        step_tables.append(
            Table(
                key=f"{key}_by_pathway",
                title=f"{label}, by pathway",
                row_heading="Pathway",
                columns=COLUMNS,
                rows=rows,
                chart=Chart(
                    kind="bar",
                    series=["median", "p90"],
                    description=f"{label}: median and 90th percentile days for each pathway",
                ),
            )
        )
    summary = Table(
        key="steps",
        title="Days each step takes",
        row_heading="Step",
        columns=COLUMNS,
        rows=summary_rows,
        chart=Chart(
            kind="bar",
            series=["median", "p90"],
            description="Median and 90th percentile days for each step",
        ),
    )
    # With one pathway chosen, its table would repeat the first.
    tables = [summary, *(step_tables if not filters.pathway else [])]
    return Report(
        key="timeliness",
        title="How quickly people are seen",
        filters=filters,
        summary=_sentences(summary),
        tables=tables,
        notes=NOTES,
    )


def _row(key, label, values, count_cell, rule, *, is_total=False) -> Row:
    """The count (already suppressed with its column), median and 90th percentile."""
    return Row(
        key=key,
        label=label,
        cells=[
            count_cell,
            *(
                suppression.statistic(
                    values[statistic],
                    group_size=values["n"],
                    rule=rule,
                    unit="days",
                    published=(count_cell,),
                )
                for statistic in ("median", "p90")
            ),
        ],
        is_total=is_total,
    )


WORDS = {
    "screening": "referrals were screened within {median} of being submitted",
    "decision": "accepted referrals had a panel decision within {median} of screening",
    "contact": "people first attended a contact within {median} of the panel's decision",
    "waiting": "people on a waiting list were offered a place within {median}",
}


def _sentences(table: Table) -> list[str]:
    """From the published cells only."""
    sentences = []
    for row in table.rows:
        median, p90 = table.cell(row.key, "median"), table.cell(row.key, "p90")
        if median.status == "not_available":
            sentences.append(f"{row.label}: none in the period.")
        elif median.suppressed:
            sentences.append(f"{row.label}: suppressed, as too few referrals took this step.")
        else:
            words = WORDS[row.key].format(median=median.text)
            sentences.append(f"Half of {words}, and nine in ten within {p90.text}.")
    return sentences


register_set(
    key="timeliness",
    title="How quickly people are seen",
    description=(
        "Median and 90th percentile days from referral to screening, to a panel decision and "
        "to the first attended contact, and days on a waiting list."
    ),
    build=build,
    order=30,
)
