"""Referrals: how many were submitted each month, on which pathway, in which area, by which
kind of organisation, and about whom (age band, gender, ethnic group, disability and
postcode district)."""

import re

from django.db.models import Sum

from figures import guard, suppression
from figures.facts.referrals import CATEGORIES, referral_tally, submitted_tally
from figures.report import Chart, Column, Report, Row, Table, register_set
from figures.vocabulary import DISABILITY_CHOICES, ETHNIC_GROUP_CHOICES, AgeBand
from partners.models import OrganisationType
from referrals.models import Gender, ReferralArea
from referrals.pathways import Pathway

COUNTED = "referrals"
NOTES = [
    "A referral is counted in the month it was submitted for screening. Drafts are not "
    "counted; a referral returned to the referrer and answered is counted once.",
    "Counts from 1 to 7 are shown as [c] and other counts are rounded to the nearest 5, so "
    "totals may not equal the sum of their rows. Where a total would let a hidden count be "
    "worked out, a second count is hidden too.",
]
NOT_RECORDED = "Not recorded"
DISTRICT = re.compile(r"^([A-Z]+)(\d*)(.*)$")


def _submitted(filters) -> list[dict]:
    """How many were submitted, by month, pathway and area."""
    return list(
        referral_tally(filters, "stage")
        .filter(value="submitted")
        .values("month", "pathway", "area")
        .annotate(n=Sum("n"))
        .order_by()
    )


def _month_table(submitted, filters, rule) -> Table:
    pathways = [p for p in Pathway if not filters.pathway or p == filters.pathway]
    found: dict = {}
    for row in submitted:
        key = (row["month"], row["pathway"])
        found[key] = found.get(key, 0) + row["n"]
    months = filters.months
    table = suppression.count_table(
        [[found.get((month, p.value), 0) for p in pathways] for month in months], rule=rule
    )
    columns = [Column(key=p.value, label=p.label) for p in pathways]
    columns.append(Column(key="total", label="All pathways"))
    rows = [
        Row(key=f"{month:%Y-%m}", label=f"{month:%B %Y}", cells=[*cells, total])
        for month, cells, total in zip(months, table.cells, table.row_totals, strict=True)
    ]
    rows.append(
        Row(key="total", label="Total", cells=[*table.column_totals, table.total], is_total=True)
    )
    return Table(
        key="by_month",
        title="Referrals by month and pathway",
        row_heading="Month submitted",
        columns=columns,
        rows=rows,
        chart=Chart(
            kind="line",
            series=[p.value for p in pathways],
            description="Referrals submitted each month, one line for each pathway",
        ),
    )


def _counts_by_category(filters) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {category: {} for category in CATEGORIES}
    for row in (
        referral_tally(filters, *CATEGORIES)
        .values("measure", "value")
        .annotate(n=Sum("n"))
        .filter(n__gt=0)
        .order_by()
    ):
        counts[row["measure"]][row["value"]] = row["n"]
    return counts


def _district_order(code: str):
    """DH1, DH2, ..., DH10 in that order; not recorded last."""
    match = DISTRICT.match(code)
    if not match:
        return (1, code, 0, "")
    return (0, match[1], int(match[2] or 0), match[3])


def _category_table(
    found: dict[str, int], *, key, title, heading, choices, rule, chart: bool = False
) -> Table:
    """One count column with its total, a row for each category (``choices``: code and
    label pairs), then any other code found, in order, as it is (postcode districts)."""
    labels = dict(choices)
    codes = [code for code, _ in choices] + sorted(
        (code for code in found if code not in labels), key=_district_order
    )
    cells, total = suppression.count_column([found.get(code, 0) for code in codes], rule=rule)
    rows = [
        Row(key=code or "not_recorded", label=labels.get(code) or code or NOT_RECORDED, cells=[c])
        for code, c in zip(codes, cells, strict=True)
    ]
    rows.append(Row(key="total", label="Total", cells=[total], is_total=True))
    return Table(
        key=key,
        title=title,
        row_heading=heading,
        columns=[Column(key="referrals", label="Referrals")],
        rows=rows,
        chart=(
            Chart(
                kind="bar",
                series=["referrals"],
                description=f"{title}: one bar for each {heading.lower()}",
            )
            if chart
            else None
        ),
    )


def _trend(table: Table) -> list[str]:
    """Sentences about the monthly totals, from the published cells only (never the raw
    counts, which would give away what suppression hid)."""
    months = [row for row in table.rows if not row.is_total]
    total = next(row for row in table.rows if row.is_total).cells[-1]
    if total.suppressed:
        sentences = ["The number of referrals submitted in the period is suppressed."]
    else:
        sentences = [f"{total.text} referrals were submitted in the period."]
    if len(months) < 2:
        return sentences
    first, last = months[0], months[-1]
    a, b = first.cells[-1], last.cells[-1]
    if a.suppressed or b.suppressed:
        sentences.append(
            f"The number in {first.label if a.suppressed else last.label} is suppressed, so "
            "no trend is given."
        )
    elif b.value == a.value:
        sentences.append(f"Referrals were {a.text} in both {first.label} and {last.label}.")
    else:
        moved = "rose" if b.value > a.value else "fell"
        sentences.append(
            f"Referrals {moved} from {a.text} in {first.label} to {b.text} in {last.label}."
        )
    shown = [row for row in months if not row.cells[-1].suppressed]
    busiest = max((row.cells[-1].value for row in shown), default=0)
    if busiest > 0:
        peaks = [row for row in shown if row.cells[-1].value == busiest]
        sentences.append(
            f"The most in a month, {peaks[0].cells[-1].text}, were submitted in "
            f"{_and([row.label for row in peaks])}."
        )
    return sentences


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


# (key, title, row heading, fact column, choices, with a chart)
CATEGORY_TABLES = (
    ("by_area", "Referrals by area", "Area", "area", ReferralArea.choices, True),
    (
        "by_organisation_type",
        "Referrals by type of referring organisation",
        "Referring organisation",
        "organisation_type",
        OrganisationType.choices,
        True,
    ),
    (
        "by_age_band",
        "Referrals by age at referral",
        "Age at referral",
        "age_band",
        AgeBand.choices,
        True,
    ),
    ("by_gender", "Referrals by gender", "Gender", "gender", Gender.choices, False),
    (
        "by_ethnic_group",
        "Referrals by ethnic group",
        "Ethnic group",
        "ethnicity_group",
        ETHNIC_GROUP_CHOICES,
        False,
    ),
    (
        "by_disability",
        "Referrals by disability",
        "Disability",
        "disability",
        DISABILITY_CHOICES,
        False,
    ),
    (
        "by_postcode_district",
        "Referrals by postcode district",
        "Postcode district",
        "postcode_district",
        [],
        False,
    ),
)


def build(*, filters, rule) -> Report:
    guard.require_no_small_groups(
        filters=filters, facts=submitted_tally(), rule=rule, counted=COUNTED, weight="n"
    )
    submitted = _submitted(filters)
    by_month = _month_table(submitted, filters, rule)
    counts = _counts_by_category(filters)
    counts["area"] = {}
    for row in submitted:
        counts["area"][row["area"]] = counts["area"].get(row["area"], 0) + row["n"]
    tables = [by_month]
    for key, title, heading, field, choices, chart in CATEGORY_TABLES:
        tables.append(
            _category_table(
                counts[field],
                key=key,
                title=title,
                heading=heading,
                choices=choices,
                rule=rule,
                chart=chart,
            )
        )
    return Report(
        key="referrals",
        title="Referrals",
        filters=filters,
        summary=_trend(by_month),
        tables=tables,
        notes=NOTES,
    )


register_set(
    key="referrals",
    title="Referrals",
    description=(
        "Referrals submitted each month, by pathway, area, referring organisation, age band, "
        "gender, ethnic group, disability and postcode district."
    ),
    build=build,
    order=10,
)
