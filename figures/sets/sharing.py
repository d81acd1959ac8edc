"""Lawful sharing: how often each sharing rule and each gateway was relied on, lawful
bases to proceed without consent, consent refused or withdrawn, and MARAC.

Read from ``SharingFact`` (``figures.facts.sharing``) in two grouped queries: the ledger's
disclosures, and everything else. Labels are the rule table's own titles
(``sharing.rules``), never its ids; each gateway's citation is in the table's notes.
"""

from collections import Counter

from django.db.models import Count

from figures import guard
from figures.facts.sharing import GATEWAYS, LAYER_COLUMNS
from figures.models import SharingFact, SharingFactKind
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


def _gateway_table(disclosed: list[dict], rule: Rule) -> Table:
    """One block of rows per layer of the law, each with its own total: a disclosure relies
    on one Article 6 basis and at most one gateway of each other layer, so a layer's total
    counts disclosures, but totals of different layers must not be added together."""
    rows: list[Row] = []
    notes = [
        "A disclosure relies on several layers at once (an Article 6 basis, and where they "
        "apply an Article 9 condition for health data, an Article 10 condition for criminal "
        "offence data, DPA 2018 Part 3 where the police are party, and a power to disclose), "
        "so each layer has its own total.",
    ]
    for layer, column in LAYER_COLUMNS.items():
        by_gateway = Counter()
        for group in disclosed:
            if group[column]:
                by_gateway[group[column]] += group["n"]
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


def build(*, filters, rule: Rule) -> Report:
    facts = SharingFact.objects.all()
    guard.require_no_small_groups(
        filters=filters, facts=facts, rule=rule, counted="sharing records"
    )
    chosen = filters.narrow(facts)

    disclosed = list(
        chosen.filter(kind=SharingFactKind.DISCLOSURE)
        .values("rule", "purpose", "recipient_type", *LAYER_COLUMNS.values())
        .annotate(n=Count("*"))
        .order_by()
    )
    others = list(
        chosen.filter(kind__in=[k for k in SharingFactKind if k != SharingFactKind.DISCLOSURE])
        .values("kind", "month", "rule", "purpose", "status", "repeat")
        .annotate(n=Count("*"))
        .order_by()
    )

    purposes = [(p.value, p.label) for p in Purpose]
    rule_rows = _rule_rows({g["rule"] for g in disclosed})
    by_rule_counts = Counter()
    by_recipient = Counter()
    for group in disclosed:
        by_rule_counts[(_row_key(group["rule"], rule_rows), group["purpose"])] += group["n"]
        by_recipient[(group["recipient_type"], "disclosures")] += group["n"]
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

    basis_counts = Counter()
    consent_counts = Counter()
    marac_counts = Counter()
    for group in others:
        kind, n = group["kind"], group["n"]
        if kind == SharingFactKind.LAWFUL_BASIS:
            basis_counts[(group["rule"], group["status"])] += n
        elif kind == SharingFactKind.CONSENT_DECLINED:
            consent_counts[(group["purpose"], group["status"])] += n
        elif kind == SharingFactKind.MARAC_FLAG:
            marac_counts[(f"{group['month']:%Y-%m}", "flagged")] += n
        elif kind == SharingFactKind.MARAC_REFERRAL:
            month = f"{group['month']:%Y-%m}"
            marac_counts[(month, "referred")] += n
            if group["repeat"]:
                marac_counts[(month, "repeat")] += n

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
    tables = [by_rule, _gateway_table(disclosed, rule), recipients, bases, consent, marac]
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
