"""Lookups for the IG pages and endpoints."""

from django.db.models import Count, Q
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


# Newest first; every event has both (sealed or not), and they end in the primary key, as a
# keyset page needs (core.pagination).
EVENT_ORDER = ("-occurred_at", "-id")


def audit_events():
    """The trail, newest first, with what every list of events shows.

    By when it happened, not by seq: events the sequencer has not sealed yet have no seq
    and must show too; (occurred_at, id) is indexed, and the filters' own indexes end in
    occurred_at, so a page is an index range however long the trail."""
    return AuditEvent.objects.select_related(
        "user", "organisation", "recipient_organisation"
    ).order_by(*EVENT_ORDER)


EVENTS_PER_PAGE = 50


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
