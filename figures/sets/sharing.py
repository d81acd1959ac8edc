"""Lawful sharing: how often each sharing rule and each gateway was relied on, lawful
bases to proceed without consent, consent refused or withdrawn, and MARAC.

Read from the tally of ``SharingFact`` (``figures.facts.sharing.TALLY``) in two grouped
queries: the MARAC measures by month, and everything else by value. Labels are the rule
table's own titles (``sharing.rules``), never its ids; each gateway's citation is in the
table's notes.
"""

from collections import Counter, defaultdict

from django.db.models import Sum

from figures import guard
from figures.facts.sharing import GATEWAYS, LAYER_COLUMNS, sharing_tally
from figures.models import SharingTally
from figures.report import Chart, Column, Report, Row, Table, register_set
from figures.suppression import Cell, Rule, count_column, count_table
from partners.models import OrganisationType
from referrals.models import SHARING_PURPOSES, ConsentDecision, LawfulBasisStatus
from sharing.rules import RULES, Layer
from sharing.services import WITHIN_ORGANISATION
from sharing.vocabulary import Purpose

KEY = "sharing"
TITLE = "Lawful sharing"
NOT_RECORDED = "not-recorded"
DECLINED = (ConsentDecision.REFUSED, ConsentDecision.WITHDRAWN)
# The tally's MARAC measures, by the column of the MARAC table each is counted in.
MARAC = {"marac_flag": "flagged", "marac_referral": "referred", "marac_repeat": "repeat"}


def _rule_rows(found: set[str]) -> list[tuple[str, str]]:
    """Every rule of the table, then the two ledger entries that name none, when present."""
    rows = [(rule.id, rule.title) for rule in RULES]
    if WITHIN_ORGANISATION in found:
        rows.append((WITHIN_ORGANISATION, "Within one organisation (no rule needed)"))
    known = {rule.id for rule in RULES} | {WITHIN_ORGANISATION}
    if found - known:
        rows.append((NOT_RECORDED, "Rule not recorded in the ledger"))
    return rows


def _row_key(rule_id: str, rows: list[tuple[str, str]]) -> str:
    return rule_id if rule_id in {key for key, _ in rows} else NOT_RECORDED


def _grid_table(
    *,
    key: str,
    title: str,
    row_heading: str,
    rows: list[tuple[str, str]],
    columns: list[tuple[str, str]],
    counts: Counter,
    rule: Rule,
    chart: Chart | None = None,
    notes: list[str] | None = None,
    totals: bool = True,
) -> Table:
    """Rows by columns of counts (``counts[(row, column)]``) with row and column totals,
    secondary suppression across both."""
    grid = [[counts[(r, c)] for c, _ in columns] for r, _ in rows]
    table = count_table(grid, rule=rule)
    shown_columns = [Column(c, label) for c, label in columns]
    if totals:
        shown_columns.append(Column("total", "Total"))
    body = [
        Row(
            key=r,
            label=label,
            cells=[*table.cells[i], *([table.row_totals[i]] if totals else [])],
        )
        for i, (r, label) in enumerate(rows)
    ]
    body.append(
        Row(
            key="total",
            label="Total",
            cells=[*table.column_totals, *([table.total] if totals else [])],
            is_total=True,
        )
    )
    return Table(
        key=key,
        title=title,
        row_heading=row_heading,
        columns=shown_columns,
        rows=body,
        chart=chart,
        notes=notes or [],
    )


def _gateway_table(counts: dict[str, Counter], rule: Rule) -> Table:
    """One block of rows per layer of the law, each with its own total: a disclosure relies
    on one Article 6 basis and at most one gateway of each other layer, so a layer's total
    counts disclosures, but totals of different layers must not be added together.
    ``counts[column]`` counts disclosures by the gateway in that layer's column."""
    rows: list[Row] = []
    notes = [
        "A disclosure relies on several layers at once (an Article 6 basis, and where they "
        "apply an Article 9 condition for health data, an Article 10 condition for criminal "
        "offence data, DPA 2018 Part 3 where the police are party, and a power to disclose), "
        "so each layer has its own total.",
    ]
    for layer, column in LAYER_COLUMNS.items():
        by_gateway = counts[column]
        gateways = [(k, g) for k, g in GATEWAYS.items() if g.layer == layer]
        cells, total = count_column([by_gateway[k] for k, _ in gateways], rule=rule)
        label = Layer(layer).label
        rows += [
            Row(key=k, label=f"{label}: {g.title}", cells=[cell])
            for (k, g), cell in zip(gateways, cells, strict=True)
        ]
        rows.append(
            Row(key=f"{layer}-total", label=f"{label}: total", cells=[total], is_total=True)
        )
        notes += [f"{g.title} ({label}): {g.citation}." for _, g in gateways]
    return Table(
        key="gateways",
        title="Disclosures by the gateway relied on",
        row_heading="Gateway",
        columns=[Column("disclosures", "Disclosures")],
        rows=rows,
        chart=Chart(
            kind="bar",
            series=["disclosures"],
            description="Disclosures to other organisations by each gateway in law relied on",
        ),
        notes=notes,
    )


def _amount(cell: Cell, noun: str) -> str:
    if cell.suppressed:
        return f"a small number of {noun} (suppressed)"
    if cell.value is None:
        return f"no figure for {noun}"
    return f"{cell.text} {noun}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _summary(*, filters, by_rule: Table, consent: Table, bases: Table, marac: Table) -> list[str]:
    """Sentences drawn only from published cells."""
    period = filters.in_words()
    total = by_rule.cell("total", "total")
    sentences = [
        f"Partners made {_amount(total, 'disclosures')} to other organisations in {period}."
    ]
    shown = [
        (row.cells[-1].value, row.label)
        for row in by_rule.rows
        if not row.is_total and row.cells[-1].value and not row.cells[-1].suppressed
    ]
    if shown:
        top = max(value for value, _ in shown)
        leaders = [label for value, label in shown if value == top]
        if len(leaders) == 1:
            sentences.append(f"The rule relied on most often was {leaders[0]}.")
        else:
            sentences.append(f"The rules relied on most often were {' and '.join(leaders)}.")
    refused = _amount(consent.cell("total", ConsentDecision.REFUSED), "times")
    withdrawn = _amount(consent.cell("total", ConsentDecision.WITHDRAWN), "times")
    sentences.append(f"Consent was refused {refused} and withdrawn {withdrawn}.")
    recorded = _amount(bases.cell("total", "total"), "lawful bases")
    approved_cell = bases.cell("total", LawfulBasisStatus.APPROVED)
    approved = (
        "a suppressed number of them"
        if approved_cell.suppressed
        else f"{approved_cell.text} of them"
    )
    sentences.append(
        _sentence(f"{recorded} to proceed without consent were recorded, {approved} approved.")
    )
    flagged = _amount(marac.cell("total", "flagged"), "referrals")
    referred = _amount(marac.cell("total", "referred"), "referrals to MARAC")
    sentences.append(_sentence(f"{flagged} met a MARAC criterion, and {referred} were made."))
    return sentences


def _counted(filters) -> tuple[dict[str, Counter], Counter]:
    """From the tally (``figures.facts.sharing.TALLY``): each measure's count by value, and
    the MARAC measures' by (month, measure)."""
    tallied = sharing_tally(filters)
    by_value: dict[str, Counter] = defaultdict(Counter)
    for row in (
        tallied.exclude(measure__in=MARAC)
        .values("measure", "value")
        .annotate(n=Sum("n"))
        .filter(n__gt=0)
        .order_by()
    ):
        by_value[row["measure"]][row["value"]] = row["n"]
    by_month = Counter()
    for row in (
        tallied.filter(measure__in=MARAC)
        .values("measure", "month")
        .annotate(n=Sum("n"))
        .filter(n__gt=0)
        .order_by()
    ):
        by_month[(f"{row['month']:%Y-%m}", MARAC[row["measure"]])] = row["n"]
    return by_value, by_month


def _pairs(counts: Counter) -> Counter:
    """ "a|b" values as (a, b) keys: the second never holds a bar, the first may."""
    return Counter({tuple(value.rsplit("|", 1)): n for value, n in counts.items()})


def build(*, filters, rule: Rule) -> Report:
    guard.require_no_small_groups(
        filters=filters,
        facts=SharingTally.objects.filter(measure="records"),
        rule=rule,
        counted="sharing records",
        weight="n",
    )
    counted, marac_counts = _counted(filters)

    purposes = [(p.value, p.label) for p in Purpose]
    by_rule_found = _pairs(counted["rule"])
    rule_rows = _rule_rows({rule_id for rule_id, _ in by_rule_found})
    by_rule_counts = Counter()
    for (rule_id, purpose), n in by_rule_found.items():
        by_rule_counts[(_row_key(rule_id, rule_rows), purpose)] += n
    by_recipient = Counter(
        {(recipient, "disclosures"): n for recipient, n in counted["recipient"].items()}
    )
    by_rule = _grid_table(
        key="rules",
        title="Disclosures by the sharing rule relied on",
        row_heading="Sharing rule",
        rows=rule_rows,
        columns=purposes,
        counts=by_rule_counts,
        rule=rule,
        chart=Chart(
            kind="bar",
            series=["total"],
            description="Disclosures to other organisations by the sharing rule relied on",
        ),
        notes=[
            "Each disclosure to another organisation in the disclosure ledger, in the month it "
            "was made: a case shared, an allocation offered to a provider, an agenda or "
            "minutes item shown to a member of another organisation. Counted against the "
            "area and pathway of the case, or of the referral, it disclosed.",
            *(f"{r.title}: {r.summary}" for r in RULES),
        ],
    )
    recipients = _grid_table(
        key="recipients",
        title="Disclosures by the kind of organisation receiving them",
        row_heading="Receiving organisation",
        rows=[(t.value, t.label) for t in OrganisationType],
        columns=[("disclosures", "Disclosures")],
        counts=by_recipient,
        rule=rule,
        totals=False,
        notes=["Only the kind of organisation is counted, never which one."],
    )
    basis_counts = _pairs(counted["basis"])
    consent_counts = _pairs(counted["consent"])

    bases = _grid_table(
        key="lawful_bases",
        title="Lawful bases to proceed without consent, by the sharing rule relied on",
        row_heading="Sharing rule",
        rows=[(r.id, r.title) for r in RULES],
        columns=[(s.value, s.label) for s in LawfulBasisStatus],
        counts=basis_counts,
        rule=rule,
        chart=Chart(
            kind="bar",
            series=[s.value for s in LawfulBasisStatus],
            description="Lawful bases to share without consent by rule and whether approved",
        ),
        notes=[
            "Each lawful basis recorded on a referral to proceed with a purpose without the "
            "person's consent, in the month it was recorded, by its approval status now.",
        ],
    )
    consent = _grid_table(
        key="consent",
        title="Consent refused or withdrawn, by purpose",
        row_heading="Purpose",
        rows=[(p.value, p.label) for p in SHARING_PURPOSES],
        columns=[(d.value, d.label) for d in DECLINED],
        counts=consent_counts,
        rule=rule,
        chart=Chart(
            kind="bar",
            series=[d.value for d in DECLINED],
            description="Consent refused or withdrawn by the purpose it was asked for",
        ),
        notes=[
            "Each current decision of a person (or their parent) to refuse or withdraw "
            "consent for a purpose, in the month of the decision. Agreement to take part in "
            "an intervention is not consent to sharing and is not counted here.",
        ],
    )
    marac = _grid_table(
        key="marac",
        title="MARAC flags and referrals, by month",
        row_heading="Month",
        rows=[(f"{m:%Y-%m}", f"{m:%B %Y}") for m in filters.months],
        columns=[
            ("flagged", "Referrals meeting a MARAC criterion"),
            ("referred", "Referrals to MARAC"),
            ("repeat", "Of which repeat referrals to MARAC"),
        ],
        counts=marac_counts,
        rule=rule,
        totals=False,
        chart=Chart(
            kind="line",
            series=["flagged", "referred"],
            description="Referrals meeting a MARAC criterion and referrals to MARAC each month",
        ),
        notes=[
            "A referral meets a MARAC criterion when the Dash score, professional judgement "
            "or escalation says so; counted in the month of the referral. A referral to MARAC "
            "is counted in the month it was made; a repeat is one for a victim and "
            "perpetrator pair referred before.",
        ],
    )
    tables = [by_rule, _gateway_table(counted, rule), recipients, bases, consent, marac]
    return Report(
        key=KEY,
        title=TITLE,
        filters=filters,
        summary=_summary(
            filters=filters, by_rule=by_rule, consent=consent, bases=bases, marac=marac
        ),
        tables=tables,
        notes=[
            "Counts are of records, not people: one person may be counted several times.",
            "Consent is not a gateway for sharing here: the sharing rules rely on public "
            "task or legitimate interests and the conditions in law, as HM Government's "
            "Information sharing advice (2024) advises for safeguarding.",
        ],
    )


register_set(
    key=KEY,
    title=TITLE,
    description=(
        "How often each sharing rule and gateway in law was relied on, lawful bases used "
        "without consent, consent refused or withdrawn, and MARAC flags and referrals."
    ),
    build=build,
    order=60,
)
