"""Lookups for the IG pages and endpoints."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.http import Http404
from django.utils import timezone

from audit.models import AuditEvent, BreakGlassGrant, LegalHold, ReviewFlag, SubjectAccessRelease
from audit.registry import registry


def person_or_404(person_id):
    """The person record with this id (found through the app that owns people)."""
    person = registry.people.find(person_id)
    if person is None:
        raise Http404("No such person")
    return person


def audit_events():
    """The trail, newest first, with what every list of events shows.

    By when it happened, not by seq: events the sequencer has not sealed yet have no seq
    and must show too; (occurred_at, id) is indexed, and the filters' own indexes end in
    occurred_at, so a page is an index range however long the trail."""
    return AuditEvent.objects.select_related(
        "user", "organisation", "recipient_organisation"
    ).order_by("-occurred_at", "-id")


EVENTS_PER_PAGE = 50


@dataclass
class EventsPage:
    """One page of events, newest first, and the cursors to the pages either side (None
    where there is none). Keyset pages: no COUNT over millions of events, and a deep page
    costs what the first does."""

    object_list: list
    newer: str | None
    older: str | None

    def has_other_pages(self) -> bool:
        return bool(self.newer or self.older)


def _cursor(event) -> str:
    moment = event.occurred_at.astimezone(datetime.UTC)
    return f"{moment:%Y%m%d%H%M%S%f}-{event.pk}"


def _position(cursor: str | None):
    """The (occurred_at, id) a cursor names; None for none or one not made here."""
    try:
        moment, pk = (cursor or "").split("-")
        when = datetime.datetime.strptime(moment, "%Y%m%d%H%M%S%f").replace(tzinfo=datetime.UTC)
        return (when, int(pk))
    except ValueError:
        return None


def events_page(events, *, before=None, after=None, size: int = EVENTS_PER_PAGE) -> EventsPage:
    """The page of ``events`` older than the cursor ``before``, or newer than ``after``, or
    the newest; an unreadable cursor gives the newest page."""
    key = Tuple("occurred_at", "id")
    newer_than = _position(after) if before is None else None
    if newer_than is not None:
        rows = list(
            events.filter(TupleGreaterThan(key, newer_than)).order_by("occurred_at", "id")[
                : size + 1
            ]
        )
        more = len(rows) > size
        rows = rows[:size][::-1]
        return EventsPage(
            rows,
            newer=_cursor(rows[0]) if more else None,
            older=_cursor(rows[-1]) if rows else None,
        )
    older_than = _position(before)
    if older_than is not None:
        events = events.filter(TupleLessThan(key, older_than))
    rows = list(events[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return EventsPage(
        rows,
        newer=_cursor(rows[0]) if older_than is not None and rows else None,
        older=_cursor(rows[-1]) if more else None,
    )


def person_summary(person):
    """How IG's pages name this person."""
    return registry.people.summaries([person.pk])[person.pk]


def legal_holds(person):
    return list(LegalHold.objects.filter(person=person).select_related("placed_by", "lifted_by"))


def legal_hold_or_404(person, hold_id) -> LegalHold:
    hold = LegalHold.objects.filter(person=person, pk=hold_id, lifted_at=None).first()
    if hold is None:
        raise Http404("No such legal hold in place")
    return hold


def releases(person):
    """When the person's subject access exports were given to them, newest first."""
    return list(SubjectAccessRelease.objects.filter(person=person).select_related("released_by"))


def break_glass_grant_in_force(user, person):
    return (
        BreakGlassGrant.objects.filter(user=user, person=person, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


def flag_queue():
    """The unreviewed flags, oldest first (a query, for the page to paginate); the latest
    reviewed; and how many of each."""
    flags = ReviewFlag.objects.select_related(
        "user", "reviewed_by", "event__user", "event__recipient_organisation"
    )
    counts = ReviewFlag.objects.aggregate(
        total=Count("pk"), unreviewed=Count("pk", filter=Q(reviewed_at=None))
    )
    return {
        "unreviewed": flags.filter(reviewed_at=None).order_by("raised_at", "pk"),
        "reviewed": list(flags.exclude(reviewed_at=None).order_by("-reviewed_at")[:20]),
        "counts": counts,
    }
