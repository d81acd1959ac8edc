"""Allocation facts: one row per allocation, from the allocation, its history and its contacts.

Three reads per batch of people, whatever its size: the allocations (with their case's area
and pathway and the catalogue entry's type and provider), the status history of those
allocations (when each was first offered, first active and ended), and their contacts
counted by outcome.

The builder keeps ``AllocationTally`` in step in the same transaction (``TALLY``): per
month, area, pathway and catalogue entry, the allocations made that month and what became
of them, the completions that month, and the places first offered and ended that month
(counts and their days added up), so that the interventions set reads a few thousand rows.
"""

import datetime
from uuid import UUID

from django.db.models import Count
from django.utils import timezone

from figures import store
from figures.models import AllocationFact, AllocationTally
from figures.tallies import Tally
from interventions.models import Allocation, AllocationStatus, Contact, ContactOutcome

HistoricalAllocation = Allocation.history.model

ENDED = (
    AllocationStatus.COMPLETED,
    AllocationStatus.DISENGAGED,
    AllocationStatus.DECLINED,
    AllocationStatus.WITHDRAWN,
    AllocationStatus.CANCELLED,
)
# Every status an allocation can only reach through an offer: a fact that lacks its history
# (an allocation imported without one) still counts as offered and started where its status
# says so.
AFTER_OFFER = (
    AllocationStatus.OFFERED,
    AllocationStatus.ACCEPTED,
    AllocationStatus.DECLINED,
    AllocationStatus.ACTIVE,
    AllocationStatus.COMPLETED,
    AllocationStatus.DISENGAGED,
)
AFTER_START = (AllocationStatus.ACTIVE, AllocationStatus.COMPLETED, AllocationStatus.DISENGAGED)


def _day(moment):
    return timezone.localtime(moment).date()


def _milestones(allocation_ids) -> dict[int, dict]:
    """Per allocation, the day it was first offered, first active and first ended."""
    found: dict[int, dict] = {}
    history = (
        HistoricalAllocation.objects.filter(id__in=allocation_ids)
        .order_by("history_date", "history_id")
        .values_list("id", "status", "history_date")
    )
    for pk, status, moment in history:
        days = found.setdefault(pk, {})
        if status == AllocationStatus.OFFERED:
            days.setdefault("offered", _day(moment))
        elif status == AllocationStatus.ACTIVE:
            days.setdefault("started", _day(moment))
        elif status in ENDED:
            days.setdefault("ended", _day(moment))
    return found


def replace(person_ids: list[UUID], subjects: dict[UUID, str], keep_derived: bool = True) -> None:
    TALLY.replace(
        subjects.values(), lambda: _build(person_ids, subjects), keep_derived=keep_derived
    )


def _build(person_ids, subjects) -> int:
    """Insert these people's facts; returns how many."""
    allocations = list(
        Allocation.objects.filter(case__person_id__in=person_ids).values(
            "id",
            "case__person_id",
            "case__area",
            "case__pathway",
            "intervention_id",
            "intervention__provider_id",
            "intervention__intervention_type",
            "status",
            "created_at",
            "status_changed_at",
        )
    )
    if not allocations:
        return 0
    ids = [a["id"] for a in allocations]
    days = _milestones(ids)
    contacts: dict[int, dict[str, int]] = {}
    for row in (
        Contact.objects.filter(allocation_id__in=ids)
        .values("allocation_id", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    ):
        contacts.setdefault(row["allocation_id"], {})[row["outcome"]] = row["n"]
    facts = []
    for a in allocations:
        status = a["status"]
        seen = days.get(a["id"], {})
        offered_on = seen.get("offered")
        offered = offered_on is not None or status in AFTER_OFFER
        started_on = seen.get("started")
        started = started_on is not None or status in AFTER_START
        ended_on = seen.get("ended") or (_day(a["status_changed_at"]) if status in ENDED else None)
        counted = contacts.get(a["id"], {})
        allocated_on = _day(a["created_at"])
        facts.append(
            dict(
                subject=subjects[a["case__person_id"]],
                month=allocated_on.replace(day=1),
                area=a["case__area"],
                pathway=a["case__pathway"],
                intervention_id=a["intervention_id"],
                provider_id=a["intervention__provider_id"],
                intervention_type=a["intervention__intervention_type"],
                status=status,
                offered=offered,
                started=started,
                completed=status == AllocationStatus.COMPLETED,
                disengaged=status == AllocationStatus.DISENGAGED,
                declined=status == AllocationStatus.DECLINED,
                withdrawn=status == AllocationStatus.WITHDRAWN,
                attended_contacts=counted.get(ContactOutcome.ATTENDED, 0),
                missed_contacts=counted.get(ContactOutcome.DID_NOT_ATTEND, 0),
                cancelled_contacts=counted.get(ContactOutcome.CANCELLED_BY_PROVIDER, 0)
                + counted.get(ContactOutcome.CANCELLED_BY_PERSON, 0),
                allocated_on=allocated_on,
                place_from=offered_on,
                place_until=ended_on if offered_on is not None else None,
                started_on=started_on,
                ended_on=ended_on,
            )
        )
    store.write_facts(AllocationFact, facts)
    return len(facts)


# Days are counted from here, so that places' first and last days can be added up.
EPOCH = datetime.date(2000, 1, 1)

# Each fact contributes up to four rows: to the month it was made (what became of it), the
# month it ended if completed, the month its place was first offered and the month that
# place ended.
TALLY = Tally(
    model=AllocationTally,
    facts=AllocationFact,
    keys=("month", "area", "pathway", "intervention_id"),
    sums=(
        "allocations",
        "started",
        "completed",
        "disengaged",
        "attended",
        "missed",
        "with_contacts",
        "completions",
        "places_from",
        "from_days",
        "places_until",
        "until_days",
        "until_first_day",
    ),
    # The epoch is this module's own date: no input reaches the SQL.
    contributions=f"""
        SELECT c.month, f.area, f.pathway, f.intervention_id, c.allocations, c.started,
            c.completed, c.disengaged, c.attended, c.missed, c.with_contacts, c.completions,
            c.places_from, c.from_days, c.places_until, c.until_days, c.until_first_day
        FROM {{facts}} AS f CROSS JOIN LATERAL (VALUES
            (f.month, 1, f.started::int, f.completed::int, f.disengaged::int,
             f.attended_contacts::bigint, f.missed_contacts::bigint,
             (f.attended_contacts > 0 OR f.missed_contacts > 0)::int, 0, 0, 0::bigint, 0,
             0::bigint, 0),
            (CASE WHEN f.completed THEN date_trunc('month', f.ended_on)::date END,
             0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0),
            (date_trunc('month', f.place_from)::date,
             0, 0, 0, 0, 0, 0, 0, 0, 1, f.place_from - DATE '{EPOCH}', 0, 0, 0),
            (date_trunc('month', f.place_until)::date,
             0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, f.place_until - DATE '{EPOCH}',
             (extract(day FROM f.place_until) = 1)::int)
        ) AS c (month, allocations, started, completed, disengaged, attended, missed,
                with_contacts, completions, places_from, from_days, places_until,
                until_days, until_first_day)
    """,  # noqa: S608
)


store.register_builder(
    name="allocations",
    model=AllocationFact,
    replace=replace,
    derived=(AllocationTally,),
    recount=TALLY.recount,
)
