"""Information governance: finding people, break-glass, review flags, legal holds, subject
access exports and their release."""

import datetime
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from audit.chain import seal
from audit.models import (
    AuditEvent,
    BreakGlassGrant,
    EventKind,
    FlagKind,
    FlagScanState,
    LegalHold,
    ReviewFlag,
    SubjectAccessRelease,
)
from audit.permissions import require
from audit.recorder import build_event, canonical, emit, record_access
from audit.registry import PersonSummary, registry, rows
from core.errors import ConflictError, field_error
from core.text import bounded_text
from notifications.services import notification_break_glass, notification_flags_waiting
from partners.models import User

MIN_REASON_LENGTH = 20


def _now_event(**kwargs) -> AuditEvent:
    event = build_event(**kwargs)
    event.save()  # chained by the database trigger; needed at once for the flag
    return event


@transaction.atomic
def break_glass(*, actor: User, person, reason: str) -> BreakGlassGrant:
    """Time-limited read access to a person's records, flagged for IG review at once."""
    require(actor, "audit.break_glass", person)
    if len(reason.strip()) < MIN_REASON_LENGTH:
        raise field_error(
            "reason", f"State why, in at least {MIN_REASON_LENGTH} characters", "too_short"
        )
    grant = BreakGlassGrant.objects.create(
        user=actor,
        person=person,
        reason=reason.strip(),
        expires_at=timezone.now() + datetime.timedelta(minutes=settings.BREAK_GLASS_MINUTES),
    )
    event = _now_event(
        kind=EventKind.BREAK_GLASS,
        user=actor,
        action="break_glass",
        object_type="person",
        object_id=person.pk,
        person_id=person.pk,
        purpose="break_glass",
        details={"grant": grant.pk, "expires_at": grant.expires_at.isoformat()},
    )
    ReviewFlag.objects.create(
        kind=FlagKind.BREAK_GLASS, event=event, user=actor, detail=reason.strip()[:300]
    )
    notification_break_glass(grant=grant, actor=actor)
    return grant


def _working_hours(moment: datetime.datetime) -> bool:
    start, end = settings.AUDIT_WORKING_HOURS
    local = timezone.localtime(moment)
    return local.weekday() < 5 and start <= local.hour < end


def flags_refresh() -> int:
    """Raise flags for events since the last scan: denied attempts, access out of hours, and
    users who viewed more distinct people in a day than the limit allows.

    The scan reads sealed events only, in seq order, and remembers the last seq it read.
    Seq, not id: the sequencer numbers events in the order their transactions became
    visible, so an event committed late gets a seq after the scan's mark and is still read,
    where a mark on id would skip it for ever. What waits to be sealed is sealed first
    (unless the sequencer is sealing that moment: then it is read on the next scan)."""
    seal(wait=False)
    return _flags_scan()


@transaction.atomic
def _flags_scan() -> int:
    state, _ = FlagScanState.objects.select_for_update().get_or_create(pk=1)
    events = list(
        AuditEvent.objects.filter(
            seq__gt=state.last_seq, kind__in=[EventKind.ACCESS, EventKind.DENIED]
        )
        .exclude(user=None)
        .order_by("seq")
    )
    raised = 0
    flagged_days = set(
        ReviewFlag.objects.filter(kind__in=[FlagKind.OUT_OF_HOURS, FlagKind.VOLUME]).values_list(
            "kind", "user_id", "event__occurred_at__date"
        )
    )

    def flag(kind, event, detail):
        nonlocal raised
        try:
            with transaction.atomic():
                ReviewFlag.objects.create(
                    kind=kind, event=event, user_id=event.user_id, detail=detail
                )
                raised += 1
        except IntegrityError:
            pass

    for event in events:
        day = timezone.localtime(event.occurred_at).date()
        if event.kind == EventKind.DENIED:
            flag(FlagKind.DENIED, event, f"Denied: {event.object_type} {event.object_id}")
        elif not _working_hours(event.occurred_at):
            key = (FlagKind.OUT_OF_HOURS, event.user_id, event.occurred_at.date())
            if key not in flagged_days:
                flagged_days.add(key)
                flag(
                    FlagKind.OUT_OF_HOURS,
                    event,
                    f"Access at {timezone.localtime(event.occurred_at):%H:%M}",
                )
        if event.kind == EventKind.ACCESS and event.person_id:
            key = (FlagKind.VOLUME, event.user_id, event.occurred_at.date())
            if key not in flagged_days:
                viewed = (
                    AuditEvent.objects.filter(
                        user_id=event.user_id,
                        kind=EventKind.ACCESS,
                        occurred_at__date=day,
                        seq__lte=event.seq,
                    )
                    .exclude(person_id=None)
                    .aggregate(people=Count("person_id", distinct=True))["people"]
                )
                if viewed > settings.AUDIT_DAILY_PEOPLE_LIMIT:
                    flagged_days.add(key)
                    flag(FlagKind.VOLUME, event, f"{viewed} people viewed on {day:%d %b %Y}")
    if events:
        state.last_seq = events[-1].seq
        state.save(update_fields=["last_seq"])
    return raised


def flags_waiting_tell() -> int:
    """IG hear once a day that flags are waiting (the nightly scan's job; the review queue's
    page runs the scan too, but a page view tells no one). Returns how many were told."""
    if not ReviewFlag.objects.filter(reviewed_at__isnull=True).exists():
        return 0
    return len(notification_flags_waiting(on=timezone.localdate()))


@transaction.atomic
def flag_review(
    *, actor: User, flag: ReviewFlag, outcome: str, note: str, expected_version: int
) -> ReviewFlag:
    require(actor, "audit.review")
    flag = ReviewFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.version != expected_version:
        raise ConflictError()
    require(actor, "flag.review", flag)
    if not note.strip():
        raise field_error("note", "Record what you found", "required")
    flag.outcome = outcome
    flag.note = note.strip()
    flag.reviewed_by = actor
    flag.reviewed_at = timezone.now()
    flag.version += 1
    flag.save()
    return flag


REASON_MAX_LENGTH = 2000
SEARCH_CRITERIA = ("family_name", "date_of_birth", "nhs_number", "police_reference")


def people_find(
    *,
    actor: User,
    family_name: str = "",
    date_of_birth: datetime.date | None = None,
    nhs_number: str = "",
    police_reference: str = "",
) -> list[PersonSummary]:
    """Every person record matching exactly, through the blind indexes, for IG.

    The search is itself in the trail: one event saying which kinds of detail were searched
    by and how many people were found (never the terms themselves), and one access event
    for each person shown."""
    require(actor, "audit.find_people")
    terms = {
        "family_name": family_name.strip(),
        "date_of_birth": date_of_birth,
        "nhs_number": nhs_number.strip(),
        "police_reference": police_reference.strip(),
    }
    found = registry.people.find_people(**terms)
    emit(
        [
            build_event(
                kind=EventKind.ACCESS,
                user=actor,
                action="find_people",
                object_type="person_search",
                purpose="information_governance",
                details={
                    "searched_by": [name for name in SEARCH_CRITERIA if terms[name]],
                    "people_found": len(found),
                },
            )
        ]
    )
    if found:
        record_access(
            actor,
            action="search",
            object_type="person",
            objects=found,
            person_of=lambda summary: summary.id,
            purpose="information_governance",
        )
    return found


def _governance_event(*, actor: User, action: str, object_type: str, record, person_id):
    # Written at once, in the change's transaction: the event and the change stand or fall
    # together. Reasons stay on the record, never in the chain, which outlives erasure.
    return _now_event(
        kind=EventKind.GOVERNANCE,
        user=actor,
        action=action,
        object_type=object_type,
        object_id=record.pk,
        person_id=person_id,
        purpose="information_governance",
    )


@transaction.atomic
def legal_hold_place(*, actor: User, person, reason: str) -> LegalHold:
    require(actor, "audit.hold", person)
    reason = bounded_text(reason, field="reason", max_length=REASON_MAX_LENGTH, keep_lines=True)
    if not reason:
        raise field_error("reason", "Enter why the records must be kept", "required")
    hold = LegalHold.objects.create(person=person, reason=reason, placed_by=actor)
    _governance_event(
        actor=actor,
        action="legal_hold_place",
        object_type="legal_hold",
        record=hold,
        person_id=person.pk,
    )
    return hold


@transaction.atomic
def legal_hold_lift(*, actor: User, hold: LegalHold, reason: str) -> LegalHold:
    """Let the retention schedule apply again to the person's records, saying why."""
    require(actor, "audit.hold_lift", hold)
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if hold.lifted_at is not None:
        raise ConflictError("This legal hold has already been lifted")
    reason = bounded_text(reason, field="reason", max_length=REASON_MAX_LENGTH, keep_lines=True)
    if not reason:
        raise field_error("reason", "Enter why the hold can be lifted", "required")
    hold.lifted_at = timezone.now()
    hold.lifted_by = actor
    hold.lift_reason = reason
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    _governance_event(
        actor=actor,
        action="legal_hold_lift",
        object_type="legal_hold",
        record=hold,
        person_id=hold.person_id,
    )
    return hold


@transaction.atomic
def subject_access_release(*, actor: User, person, delivery: str) -> SubjectAccessRelease:
    """Record that the subject access export was given to the person, when, by whom and how."""
    require(actor, "audit.release", person)
    delivery = bounded_text(delivery, field="delivery", max_length=500)
    if not delivery:
        raise field_error("delivery", "Enter how the export was given to the person", "required")
    release = SubjectAccessRelease.objects.create(
        person=person, released_by=actor, delivery=delivery
    )
    _governance_event(
        actor=actor,
        action="subject_access_release",
        object_type="subject_access_release",
        record=release,
        person_id=person.pk,
    )
    return release


def subject_access_export(*, actor: User, person) -> dict:
    """Everything held about a person, for IG to review before release (audited).

    The records of the same human kept under other person records are included; each app
    contributes its own sections (``audit.registry``)."""
    require(actor, "audit.export")
    person_ids = registry.people.same_people(person)
    export = {
        "generated_at": timezone.now().isoformat(),
        "generated_by": str(actor),
    }
    for provider in registry.providers():
        for name, section in provider.export(person_ids).items():
            if name in export:
                raise ValueError(f"Two apps export a section called {name!r}")
            export[name] = section
    export["disclosures"] = rows(
        AuditEvent.objects.filter(kind=EventKind.DISCLOSURE, person_id__in=person_ids)
        .select_related("recipient_organisation")
        .order_by("occurred_at", "id"),
        ["occurred_at", "recipient_organisation", "data_categories", "purpose", "basis"],
    )
    export["access_history"] = rows(
        AuditEvent.objects.filter(
            person_id__in=person_ids,
            kind__in=[EventKind.ACCESS, EventKind.BREAK_GLASS, EventKind.EXPORT],
        )
        .select_related("user", "organisation")
        .order_by("occurred_at", "id"),
        ["occurred_at", "user", "organisation", "action", "object_type", "channel"],
    )
    export = json.loads(canonical(export))
    emit(
        [
            build_event(
                kind=EventKind.EXPORT,
                user=actor,
                action="subject_access_export",
                object_type="person",
                object_id=person.pk,
                person_id=person.pk,
                purpose="subject_access",
                details={"records": {k: len(v) for k, v in export.items() if isinstance(v, list)}},
            )
        ]
    )
    return export
