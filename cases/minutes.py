"""Panel minutes as a spreadsheet: one table of rows (the meeting, each member's attendance,
each decision and each action), written the same way for the web download and the API."""

import csv

from cases.selectors import Minutes

# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = [
    "record",
    "item",
    "reference",
    "pathway",
    "decision",
    "rationale",
    "signposted_to",
    "action",
    "owner",
    "due_date",
    "done",
    "member",
    "organisation",
    "attended",
]

ATTENDED = {True: "yes", False: "no", None: "not recorded"}


def csv_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_filename(minutes: Minutes) -> str:
    return f"panel-{minutes.meeting.meets_at:%Y-%m-%d}.csv"


def minutes_rows(minutes: Minutes):
    """Each row of the minutes as a dict of ``COLUMNS`` (missing columns are blank)."""
    meeting = minutes.meeting
    yield {"record": "meeting", "rationale": str(meeting), "decision": meeting.get_status_display()}
    for entry in minutes.attendance:
        yield {
            "record": "attendance",
            "member": entry.user,
            "organisation": entry.organisation.name,
            "attended": ATTENDED[entry.attended],
        }
    for item in minutes.items:
        decision = item.decision
        if item.withheld_reason:
            yield {
                "record": "decision",
                "item": item.position,
                "reference": item.reference,
                "pathway": item.referral.get_pathway_display(),
                "decision": decision.get_outcome_display(),
                "rationale": f"Withheld: {item.withheld_reason}",
            }
            continue
        yield {
            "record": "decision",
            "item": item.position,
            "reference": item.reference,
            "pathway": item.referral.get_pathway_display(),
            "decision": decision.get_outcome_display(),
            "rationale": decision.rationale,
            "signposted_to": decision.signpost_service_name
            or decision.get_signpost_service_display(),
        }
        for action in decision.actions.all():
            yield {
                "record": "action",
                "item": item.position,
                "reference": item.reference,
                "action": action.description,
                "owner": action.owner,
                "due_date": action.due_date.isoformat(),
                "done": "yes" if action.done_at else "no",
            }


def write_minutes_csv(minutes: Minutes, stream) -> None:
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for row in minutes_rows(minutes):
        writer.writerow([csv_safe(row.get(column, "")) for column in COLUMNS])
