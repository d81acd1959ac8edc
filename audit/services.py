"""Information governance: break-glass, review flags, legal holds, subject access exports."""

import datetime
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
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
from audit.recorder import build_event, canonical, emit
from core.errors import ConflictError, field_error
from partners.models import User
from partners.roles import Role
from partners.selectors import active_memberships, user_has_role

MIN_REASON_LENGTH = 20


def require_ig_officer(user: User) -> None:
    if not user_has_role(user, Role.IG_OFFICER):
        raise PermissionDenied("Information governance officers only")


def _now_event(**kwargs) -> AuditEvent:
    event = build_event(**kwargs)
    event.save()  # chained by the database trigger; needed at once for the flag
    return event


@transaction.atomic
def break_glass(*, actor: User, person, reason: str) -> BreakGlassGrant:
    """Time-limited read access to a person's records, flagged for IG review at once."""
    if not active_memberships(actor):
        raise PermissionDenied("Only someone with a role in the partnership may break the glass")
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
    require_ig_officer(actor)
    flag = ReviewFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.version != expected_version:
        raise ConflictError()
    if flag.user_id == actor.pk:
        raise PermissionDenied("Another IG officer must review your own access")
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
    require_ig_officer(actor)
    if not reason.strip():
        raise field_error("reason", "Say why the records must be kept", "required")
    return LegalHold.objects.create(person=person, reason=reason.strip(), placed_by=actor)


@transaction.atomic
def legal_hold_lift(*, actor: User, hold: LegalHold) -> LegalHold:
    require_ig_officer(actor)
    if hold.lifted_at is not None:
        raise ConflictError("The hold was already lifted")
    hold.lifted_at = timezone.now()
    hold.save(update_fields=["lifted_at"])
    return hold


def _rows(queryset, fields) -> list[dict]:
    return [{f: getattr(obj, f) for f in fields} for obj in queryset]


def subject_access_export(*, actor: User, person) -> dict:
    """Everything held about a person, for IG to review before release (audited)."""
    from cases.models import Case, CaseNote, CaseShare, PanelDecision, RiskReview
    from interventions.models import Allocation, Contact, OutcomeRecord
    from referrals.models import Consent, GillickAssessment, LawfulBasis, Person, Referral
    from referrals.selectors import same_person_condition

    require_ig_officer(actor)
    people = list(Person.objects.filter(same_person_condition(person)).order_by("created_at"))
    person_ids = [p.pk for p in people]
    referrals = Referral.objects.filter(person_id__in=person_ids).order_by("created_at")
    cases = Case.objects.filter(person_id__in=person_ids).order_by("opened_at")
    allocations = Allocation.objects.filter(case__in=cases).select_related("intervention")
    export = {
        "generated_at": timezone.now().isoformat(),
        "generated_by": str(actor),
        "people": _rows(
            people,
            [
                "id",
                "given_name",
                "family_name",
                "date_of_birth",
                "gender",
                "address",
                "postcode",
                "nhs_number",
                "police_reference",
                "unique_pupil_number",
                "created_at",
            ],
        ),
        "referrals": _rows(
            referrals,
            [
                "id",
                "person_id",
                "pathway",
                "status",
                "area",
                "referral_date",
                "incident_date",
                "incident_place",
                "narrative",
                "risk_factors",
                "risk_level",
                "dash_score",
                "marac_referral_required",
                "screening_note",
                "return_questions",
                "referrer_answer",
                "withdrawal_reason",
                "submitted_at",
            ],
        ),
        "consents": _rows(
            Consent.objects.filter(referral__in=referrals),
            [
                "referral_id",
                "purpose",
                "given_by",
                "decision",
                "decided_on",
                "method",
                "note",
            ],
        ),
        "gillick_assessments": _rows(
            GillickAssessment.objects.filter(referral__in=referrals),
            [
                "referral_id",
                "competent",
                "assessed_on",
                "rationale",
            ],
        ),
        "lawful_bases": _rows(
            LawfulBasis.objects.filter(referral__in=referrals),
            [
                "referral_id",
                "purpose",
                "ground",
                "justification",
                "status",
            ],
        ),
        "panel_decisions": _rows(
            PanelDecision.objects.filter(referral__in=referrals),
            [
                "referral_id",
                "outcome",
                "rationale",
                "decided_at",
            ],
        ),
        "cases": _rows(
            cases,
            [
                "id",
                "person_id",
                "pathway",
                "status",
                "risk_level",
                "opened_at",
                "closed_at",
                "closure_reason",
                "closure_summary",
            ],
        ),
        "case_shares": _rows(
            CaseShare.objects.filter(case__in=cases).select_related("organisation"),
            [
                "case_id",
                "organisation",
                "purpose",
                "basis",
                "shared_at",
                "ended_at",
            ],
        ),
        "risk_reviews": _rows(
            RiskReview.objects.filter(case__in=cases),
            [
                "case_id",
                "level",
                "rationale",
                "reviewed_on",
                "next_review_date",
            ],
        ),
        "notes": _rows(
            CaseNote.objects.filter(case__in=cases),
            [
                "case_id",
                "text",
                "created_at",
                "corrects_id",
            ],
        ),
        "allocations": _rows(
            allocations,
            [
                "id",
                "case_id",
                "intervention",
                "status",
                "request",
                "created_at",
            ],
        ),
        "contacts": _rows(
            Contact.objects.filter(allocation__in=allocations),
            [
                "allocation_id",
                "contact_date",
                "contact_type",
                "outcome",
                "duration_minutes",
                "notes",
            ],
        ),
        "outcomes": _rows(
            OutcomeRecord.objects.filter(case__in=cases).select_related("measure"),
            [
                "case_id",
                "measure",
                "kind",
                "value",
                "recorded_on",
            ],
        ),
        "disclosures": _rows(
            AuditEvent.objects.filter(kind=EventKind.DISCLOSURE, person_id__in=person_ids)
            .select_related("recipient_organisation")
            .order_by("seq"),
            ["occurred_at", "recipient_organisation", "data_categories", "purpose", "basis"],
        ),
        "access_history": _rows(
            AuditEvent.objects.filter(
                person_id__in=person_ids,
                kind__in=[
                    EventKind.ACCESS,
                    EventKind.BREAK_GLASS,
                    EventKind.EXPORT,
                ],
            )
            .select_related("user", "organisation")
            .order_by("seq"),
            ["occurred_at", "user", "organisation", "action", "object_type", "channel"],
        ),
    }
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
