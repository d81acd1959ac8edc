"""How quickly people are seen: the median and 90th percentile of the days each step takes,
from a referral's submission to screening, to a panel decision, to the first contact the
person attended, and the days spent on a waiting list for a place."""

from django.db.models import Count, F, Q

from figures import guard, suppression
from figures.aggregates import DaysBetween, Percentile
from figures.facts.referrals import DECIDED, referral_facts
from figures.models import ReferralFact
from figures.report import Chart, Column, Report, Row, Table, register_set
from referrals.pathways import Pathway

COUNTED = "referrals"

# (key, label, days, which referrals it is computed over)
STEPS = (
    (
        "screening",
        "Referral submitted to screening decision",
        DaysBetween("screened_on", "submitted_on"),
        Q(screened_on__isnull=False),
    ),
    (
        "decision",
        "Screening to panel decision",
        DaysBetween("decided_on", "screened_on"),
        Q(screened_on__isnull=False, decided_on__isnull=False, panel_outcome__in=DECIDED),
    ),
    (
        "contact",
        "Panel decision to first attended contact",
        DaysBetween("first_attended_contact_on", "decided_on"),
        Q(first_attended_contact_on__isnull=False, case_opened_on__isnull=False),
    ),
    (
        "waiting",
        "Days on a waiting list",
        F("waiting_list_days"),
        Q(waiting_list_days__isnull=False),
    ),
)
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


def _measures():
    measures = {}
    for key, _, days, over in STEPS:
        measures[f"{key}_n"] = Count("pk", filter=over)
        measures[f"{key}_median"] = Percentile(days, 0.5, filter=over)
        measures[f"{key}_p90"] = Percentile(days, 0.9, filter=over)
    return measures


def build(*, filters, rule) -> Report:
    guard.require_no_small_groups(
        filters=filters, facts=ReferralFact.objects.all(), rule=rule, counted=COUNTED
    )
    facts = referral_facts(filters)
    overall = facts.aggregate(**_measures())
    by_pathway = {
        row["pathway"]: row for row in facts.values("pathway").annotate(**_measures()).order_by()
    }
    pathways = list(Pathway) if not filters.pathway else [Pathway(filters.pathway)]
    summary_rows, step_tables = [], []
    for key, label, _, _ in STEPS:
        counts, total = suppression.count_column(
            [by_pathway.get(p.value, {}).get(f"{key}_n", 0) for p in pathways], rule=rule
        )
        summary_rows.append(_row(key, label, overall, key, total, rule))
        rows = [
            _row(p.value, p.label, by_pathway.get(p.value, {}), key, cell, rule)
            for p, cell in zip(pathways, counts, strict=True)
        ]
        rows.append(_row("total", "All pathways", overall, key, total, rule, is_total=True))
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


def _row(key, label, values, step, count_cell, rule, *, is_total=False) -> Row:
    """The count (already suppressed with its column), median and 90th percentile."""
    n = values.get(f"{step}_n", 0)
    return Row(
        key=key,
        label=label,
        cells=[
            count_cell,
            *(
                suppression.statistic(
                    values.get(f"{step}_{statistic}"),
                    group_size=n,
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
