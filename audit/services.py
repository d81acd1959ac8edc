"""Information governance: break-glass, review flags, legal holds, subject access exports."""

import datetime
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from audit.models import (
    AuditEvent,
    BreakGlassGrant,
    EventKind,
    FlagKind,
    FlagScanState,
    LegalHold,
    ReviewFlag,
)
from audit.permissions import require
from audit.recorder import build_event, canonical, emit
from audit.registry import registry, rows
from core.errors import ConflictError, field_error
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
    return grant


def _working_hours(moment: datetime.datetime) -> bool:
    start, end = settings.AUDIT_WORKING_HOURS
    local = timezone.localtime(moment)
    return local.weekday() < 5 and start <= local.hour < end


@transaction.atomic
def flags_refresh() -> int:
    """Raise flags for events since the last scan: denied attempts, access out of hours, and
    users who viewed more distinct people in a day than the limit allows."""
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


@transaction.atomic
def legal_hold_place(*, actor: User, person, reason: str) -> LegalHold:
    require(actor, "audit.hold", person)
    if not reason.strip():
        raise field_error("reason", "Say why the records must be kept", "required")
    return LegalHold.objects.create(person=person, reason=reason.strip(), placed_by=actor)


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
        .order_by("seq"),
        ["occurred_at", "recipient_organisation", "data_categories", "purpose", "basis"],
    )
    export["access_history"] = rows(
        AuditEvent.objects.filter(
            person_id__in=person_ids,
            kind__in=[EventKind.ACCESS, EventKind.BREAK_GLASS, EventKind.EXPORT],
        )
        .select_related("user", "organisation")
        .order_by("seq"),
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
