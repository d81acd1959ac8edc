"""From referral to support: how many submitted referrals reached each stage, from screening
through the panel and a case to support started and finished."""

from django.db.models import Sum

from figures import guard, suppression
from figures.facts.referrals import STAGES as STAGE_TESTS
from figures.facts.referrals import referral_tally
from figures.models import ReferralFact
from figures.report import Chart, Column, Report, Row, Table, register_set

COUNTED = "referrals"

# Every stage is a count of submitted referrals (figures.facts.referrals.STAGES says which,
# and in which order).
LABELS = {
    "submitted": "Submitted",
    "screened": "Screened",
    "accepted": "Screened: accepted for panel",
    "returned": "Screened: returned to the referrer, awaiting answers",
    "declined": "Screened: declined",
    "signposted": "Screened: signposted to another service",
    "withdrawn": "Withdrawn before a decision",
    "not_yet_screened": "Not yet screened",
    "ever_returned": "Returned to the referrer at least once",
    "panel_decided": "Panel decision made",
    "case_opened": "Panel: case opened",
    "no_further_action": "Panel: no further action",
    "panel_signposted": "Panel: signposted to another service",
    "awaiting_panel": "Waiting for a panel decision (including deferred)",
    "allocated": "Allocated to an intervention",
    "started": "Started an intervention",
    "completed": "Completed an intervention",
    "disengaged": "Disengaged (completed none)",
}
STAGES = [(key, LABELS[key]) for key in STAGE_TESTS]

# Stages that are sums of others (parts, whole): suppressed together so that a hidden stage
# cannot be worked out from its whole and the other parts.
SUMS = [
    (["accepted", "returned", "declined", "signposted"], "screened"),
    (["screened", "withdrawn", "not_yet_screened"], "submitted"),
    (
        ["accepted", "returned", "declined", "signposted", "withdrawn", "not_yet_screened"],
        "submitted",
    ),
    (["case_opened", "no_further_action", "panel_signposted"], "panel_decided"),
    (["panel_decided", "awaiting_panel"], "accepted"),
    (["case_opened", "no_further_action", "panel_signposted", "awaiting_panel"], "accepted"),
]

NOTES = [
    "Referrals are counted by the month they were submitted, and followed to where they are "
    "now: a referral submitted near the end of the period may not have reached a later stage "
    "yet.",
    "Screening outcomes are where screening left the referral: one returned to the referrer "
    "and then accepted counts as accepted (and as returned at least once). A referral "
    "signposted by the panel was accepted at screening.",
    "Support counted is that arranged for the case the panel opened, from its decision on. "
    "Started means an intervention became active or a contact was attended.",
    "Rates are of the referrals submitted. Counts from 1 to 7 are shown as [c] and other "
    "counts are rounded to the nearest 5; a rate of a hidden count is hidden too.",
]


def build(*, filters, rule) -> Report:
    guard.require_no_small_groups(
        filters=filters, facts=ReferralFact.objects.all(), rule=rule, counted=COUNTED
    )
    found = dict(
        referral_tally(filters, "stage")
        .values("value")
        .annotate(n=Sum("n"))
        .order_by()
        .values_list("value", "n")
    )
    raw = {key: found.get(key, 0) for key, _ in STAGES}
    cells = suppression.linked_counts(raw, SUMS, rule=rule)
    rows = [
        Row(
            key=key,
            label=label,
            cells=[
                cells[key],
                suppression.rate(
                    raw[key],
                    raw["submitted"],
                    rule=rule,
                    published=(cells[key], cells["submitted"]),
                ),
            ],
        )
        for key, label in STAGES
    ]
    table = Table(
        key="funnel",
        title="Referrals at each stage",
        row_heading="Stage",
        columns=[
            Column(key="referrals", label="Referrals"),
            Column(key="rate", label="Of those submitted", kind="rate"),
        ],
        rows=rows,
        chart=Chart(
            kind="bar",
            series=["referrals"],
            description="Referrals reaching each stage, from submitted to support finished",
        ),
    )
    return Report(
        key="funnel",
        title="From referral to support",
        filters=filters,
        summary=_summary(table),
        tables=[table],
        notes=NOTES,
    )


def _summary(table: Table) -> list[str]:
    """From the published cells only."""
    submitted = table.cell("submitted", "referrals")
    if submitted.suppressed:
        return ["The number of referrals submitted in the period is suppressed."]
    if not submitted.value:
        return ["No referrals were submitted in the period."]
    sentences = [f"{submitted.text} referrals were submitted in the period."]
    for key, words in (
        ("accepted", "were accepted for panel"),
        ("case_opened", "had a case opened"),
        ("started", "started an intervention"),
        ("completed", "completed one"),
    ):
        share = table.cell(key, "rate")
        if share.suppressed:
            sentences.append(f"The share that {words} is suppressed.")
        else:
            sentences.append(f"{share.text} {words}.")
    return sentences


register_set(
    key="funnel",
    title="From referral to support",
    description=(
        "How many referrals were screened, decided by the panel, opened as cases, allocated "
        "and started support, and how many completed it or disengaged."
    ),
    build=build,
    order=20,
)
