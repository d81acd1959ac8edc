"""Panel meetings, decisions and cases. Each function checks the actor's capacity, the
state (409 when it no longer holds) and consent, runs in one transaction, and records the
actor and the reason in history."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm
from simple_history.utils import bulk_create_with_history

from audit.recorder import record_disclosure
from cases.models import (
    Case,
    CaseNote,
    CaseShare,
    CaseStatus,
    ClosureReason,
    DecisionOutcome,
    MeetingStatus,
    PanelAction,
    PanelAttendance,
    PanelDecision,
    PanelMeeting,
    RiskReview,
    ShareBasis,
)
from cases.permissions import require_case_action, require_meeting_action
from cases.selectors import (
    PANEL_ROLES,
    areas_for_roles,
    covered_areas,
    meeting_capacities,
)
from core.errors import ConflictError, field_error
from partners.models import Area, Organisation, User
from partners.roles import Role
from partners.selectors import active_memberships
from referrals.consent import consent_position
from referrals.models import (
    LawfulBasisStatus,
    Purpose,
    Referral,
    ReferralStatus,
    SignpostService,
)
from referrals.pathways import RiskLevel

REVIEW_INTERVAL = datetime.timedelta(days=28)
NOTE_EDIT_WINDOW = datetime.timedelta(hours=24)
CASE_ROLES = {Role.REFERRER, Role.COORDINATOR}


def _history(instance, *, actor: User, reason: str):
    instance._history_user = actor
    instance._change_reason = reason
    return instance


def _panel_organisation(user: User, roles: set[str]) -> Organisation | None:
    for membership in active_memberships(user):
        if membership.role in roles:
            return membership.organisation
    return None


# --- Meetings ----------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *, actor: User, area: str, meets_at: datetime.datetime, chair: User, members: list[User]
) -> PanelMeeting:
    if area not in Area.values:
        raise field_error("area", f"Choose one of: {', '.join(Area.values)}", "invalid_choice")
    if not covered_areas(area) <= areas_for_roles(actor, {Role.COORDINATOR}):
        raise PermissionDenied("Only a coordinator of the area arranges its panel")
    chair_organisation = _panel_organisation(chair, {Role.PANEL_CHAIR})
    if chair_organisation is None:
        raise field_error("chair", "The chair must hold the panel chair role", "not_a_chair")
    errors = []
    attendance = [(chair, chair_organisation)]
    for member in members:
        if member.pk == chair.pk:
            continue
        organisation = _panel_organisation(member, PANEL_ROLES)
        if organisation is None:
            errors.append(f"{member} does not hold a panel role")
        attendance.append((member, organisation))
    if errors:
        raise field_error("members", "; ".join(errors), "not_a_panel_member")
    meeting = PanelMeeting(area=area, meets_at=meets_at, chair=chair, created_by=actor)
    _history(meeting, actor=actor, reason="Panel meeting arranged").save()
    bulk_create_with_history(
        [PanelAttendance(meeting=meeting, user=u, organisation=o) for u, o in attendance],
        PanelAttendance,
        default_user=actor,
        default_change_reason="Invited to the meeting",
    )
    return meeting


def _lock_meeting(meeting: PanelMeeting) -> PanelMeeting:
    return PanelMeeting.objects.select_for_update().get(pk=meeting.pk)


def _require_chair(actor: User, meeting: PanelMeeting) -> None:
    require_meeting_action(actor, meeting, "decide")


def _require_meeting_status(meeting: PanelMeeting, allowed, doing: str) -> None:
    if meeting.status not in allowed:
        raise ConflictError(
            f"Cannot {doing}: the meeting is {meeting.get_status_display().lower()}"
        )


def _move_meeting(meeting, status, *, actor, reason):
    meeting.status = status
    meeting.version += 1
    return _history(meeting, actor=actor, reason=reason).save()


@transaction.atomic
def meeting_start(*, actor: User, meeting: PanelMeeting) -> PanelMeeting:
    meeting = _lock_meeting(meeting)
    _require_chair(actor, meeting)
    _require_meeting_status(meeting, (MeetingStatus.SCHEDULED,), "start it")
    _move_meeting(meeting, MeetingStatus.IN_PROGRESS, actor=actor, reason="Meeting started")
    return meeting


@transaction.atomic
def meeting_close(*, actor: User, meeting: PanelMeeting) -> PanelMeeting:
    meeting = _lock_meeting(meeting)
    _require_chair(actor, meeting)
    _require_meeting_status(meeting, (MeetingStatus.IN_PROGRESS,), "close it")
    meeting.closed_at = timezone.now()
    _move_meeting(meeting, MeetingStatus.CLOSED, actor=actor, reason="Meeting closed")
    return meeting


@transaction.atomic
def meeting_reopen(*, actor: User, meeting: PanelMeeting, reason: str) -> PanelMeeting:
    meeting = _lock_meeting(meeting)
    _require_chair(actor, meeting)
    _require_meeting_status(meeting, (MeetingStatus.CLOSED,), "reopen it")
    if not reason.strip():
        raise field_error("reason", "Say why the meeting is reopened", "required")
    meeting.reopen_reason = reason.strip()
    meeting.closed_at = None
    _move_meeting(meeting, MeetingStatus.IN_PROGRESS, actor=actor, reason="Meeting reopened")
    return meeting


@transaction.atomic
def attendance_record(
    *, actor: User, meeting: PanelMeeting, member: User, attended: bool
) -> PanelAttendance:
    meeting = _lock_meeting(meeting)
    require_meeting_action(actor, meeting, "attendance")
    _require_meeting_status(
        meeting, (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS), "record attendance"
    )
    attendance = PanelAttendance.objects.filter(meeting=meeting, user=member).first()
    if attendance is None:
        raise field_error("user", "This person is not a member of the meeting", "not_a_member")
    attendance.attended = attended
    attendance.recorded_by = actor
    _history(attendance, actor=actor, reason="Attendance recorded").save()
    return attendance


# --- Decisions ---------------------------------------------------------------------------

REFERRAL_STATUS_AFTER = {
    DecisionOutcome.OPEN_CASE: ReferralStatus.CASE_OPENED,
    DecisionOutcome.NO_FURTHER_ACTION: ReferralStatus.NO_FURTHER_ACTION,
    DecisionOutcome.DEFER: ReferralStatus.ACCEPTED_FOR_PANEL,
    DecisionOutcome.SIGNPOST: ReferralStatus.SIGNPOSTED,
}


def _check_actions(actions: list[dict]) -> list[dict]:
    for index, action in enumerate(actions):
        if not (action.get("description") or "").strip():
            raise field_error(f"actions.{index}.description", "Describe the action", "required")
        owner = action.get("owner")
        if owner is None or not active_memberships(owner):
            raise field_error(
                f"actions.{index}.owner", "The owner must be a partner's user", "invalid"
            )
        if not isinstance(action.get("due_date"), datetime.date):
            raise field_error(f"actions.{index}.due_date", "Give a due date", "required")
    return actions


def _apply_outcome(decision: PanelDecision, referral: Referral, *, actor: User, **details):
    outcome = decision.outcome
    if outcome == DecisionOutcome.SIGNPOST:
        service = details.get("signpost_service") or ""
        if service not in SignpostService.values:
            raise field_error("signpost_service", "Name the service signposted to", "required")
        if service == SignpostService.OTHER and not details.get("signpost_service_name"):
            raise field_error("signpost_service_name", "Name the service", "required")
        decision.signpost_service = service
        decision.signpost_service_name = (details.get("signpost_service_name") or "").strip()
        referral.signpost_service = service
    if outcome == DecisionOutcome.OPEN_CASE:
        decision.case = _case_for_decision(
            actor=actor,
            referral=referral,
            lead_professional=details.get("lead_professional"),
            lead_organisation=details.get("lead_organisation"),
        )
        referral.case = decision.case
    referral.status = REFERRAL_STATUS_AFTER[outcome]
    referral.status_changed_at = timezone.now()
    referral.version += 1
    _history(referral, actor=actor, reason=f"Panel: {decision.get_outcome_display().lower()}")
    referral.save()


def _create_actions(decision: PanelDecision, actions: list[dict], *, actor: User) -> None:
    bulk_create_with_history(
        [
            PanelAction(
                decision=decision,
                description=a["description"].strip(),
                owner=a["owner"],
                due_date=a["due_date"],
            )
            for a in actions
        ],
        PanelAction,
        default_user=actor,
        default_change_reason="Action agreed",
    )


@transaction.atomic
def decision_record(
    *,
    actor: User,
    meeting: PanelMeeting,
    referral: Referral,
    outcome: str,
    rationale: str,
    actions: list[dict] | None = None,
    **details,
) -> PanelDecision:
    meeting = _lock_meeting(meeting)
    _require_chair(actor, meeting)
    _require_meeting_status(meeting, (MeetingStatus.IN_PROGRESS,), "record a decision")
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("person")
        .get(pk=referral.pk)
    )
    if PanelDecision.objects.filter(meeting=meeting, referral=referral).exists():
        raise ConflictError("This item already has a decision; amend it instead")
    if referral.status != ReferralStatus.ACCEPTED_FOR_PANEL or referral.area not in covered_areas(
        meeting.area
    ):
        raise ConflictError("This referral is not on the meeting's agenda")
    if Purpose.PANEL_DISCUSSION not in referral.permitted_purposes:
        raise field_error(
            "referral",
            "Consent for panel discussion was withdrawn and no lawful basis covers it",
            "panel_discussion_not_permitted",
        )
    if outcome not in DecisionOutcome.values:
        raise field_error("outcome", "Choose a decision", "invalid_choice")
    if not rationale.strip():
        raise field_error("rationale", "Give the panel's rationale", "required")
    actions = _check_actions(actions or [])
    decision = PanelDecision(
        meeting=meeting,
        referral=referral,
        outcome=outcome,
        rationale=rationale.strip(),
        decided_by=actor,
    )
    _apply_outcome(decision, referral, actor=actor, **details)
    try:
        with transaction.atomic():
            _history(decision, actor=actor, reason="Decision recorded").save()
    except IntegrityError as exc:  # a concurrent decision on the same item won
        raise ConflictError("This item already has a decision") from exc
    _create_actions(decision, actions, actor=actor)
    return decision


@transaction.atomic
def decision_amend(
    *,
    actor: User,
    decision: PanelDecision,
    expected_version: int,
    rationale: str | None = None,
    outcome: str | None = None,
    actions: list[dict] | None = None,
    **details,
) -> PanelDecision:
    decision = PanelDecision.objects.select_for_update().get(pk=decision.pk)
    meeting = _lock_meeting(decision.meeting)
    _require_chair(actor, meeting)
    _require_meeting_status(meeting, (MeetingStatus.IN_PROGRESS,), "amend a decision")
    if decision.version != expected_version:
        raise ConflictError()
    if rationale is not None:
        if not rationale.strip():
            raise field_error("rationale", "Give the panel's rationale", "required")
        decision.rationale = rationale.strip()
    if outcome is not None and outcome != decision.outcome:
        if DecisionOutcome.OPEN_CASE in (outcome, decision.outcome):
            raise ConflictError(
                "A decision that opens a case cannot be changed; close the case with a reason"
            )
        if outcome not in DecisionOutcome.values:
            raise field_error("outcome", "Choose a decision", "invalid_choice")
        referral = Referral.objects.select_for_update(of=("self",)).get(pk=decision.referral_id)
        decision.outcome = outcome
        _apply_outcome(decision, referral, actor=actor, **details)
    if actions is not None:
        _check_actions(actions)
        # One by one, so each removal leaves its history row.
        for replaced in decision.actions.filter(done_at__isnull=True):
            _history(replaced, actor=actor, reason="Action replaced").delete()
        _create_actions(decision, actions, actor=actor)
    decision.version += 1
    _history(decision, actor=actor, reason="Decision amended").save()
    return decision


@transaction.atomic
def action_complete(*, actor: User, action: PanelAction) -> PanelAction:
    action = (
        PanelAction.objects.select_for_update()
        .select_related("decision__meeting")
        .get(pk=action.pk)
    )
    meeting = action.decision.meeting
    if action.owner_id != actor.pk and not meeting_capacities(actor, meeting):
        raise PermissionDenied("The action's owner, the chair or a coordinator marks it done")
    if action.done_at is None:
        action.done_at = timezone.now()
        _history(action, actor=actor, reason="Action done").save()
    return action


# --- Cases -------------------------------------------------------------------------------


def _case_for_decision(*, actor, referral, lead_professional, lead_organisation) -> Case:
    if lead_professional is None:
        raise field_error("lead_professional", "Name the lead professional", "required")
    if lead_organisation is None:
        raise field_error("lead_organisation", "Name the lead organisation", "required")
    if not any(
        m.organisation_id == lead_organisation.pk and m.role in CASE_ROLES
        for m in active_memberships(lead_professional)
    ):
        raise field_error(
            "lead_professional",
            "The lead professional must be a caseworker or coordinator of the lead organisation",
            "not_in_organisation",
        )
    if referral.case_id is not None:
        case = Case.objects.select_for_update().get(pk=referral.case_id)
        if case.status == CaseStatus.OPEN:
            return case
    case = Case(
        person=referral.person,
        pathway=referral.pathway,
        area=referral.area,
        lead_professional=lead_professional,
        lead_organisation=lead_organisation,
        risk_level=referral.risk_level,
        next_review_date=timezone.localdate() + REVIEW_INTERVAL,
    )
    _history(case, actor=actor, reason="Case opened by the panel").save()
    referral.case = case
    if Purpose.INFORMATION_SHARING in referral.permitted_purposes:
        share_with_organisation(
            case, lead_organisation, Purpose.INFORMATION_SHARING, actor=actor, referral=referral
        )
    return case


def _sharing_basis(referral: Referral, purpose: str):
    position = consent_position(referral).get(purpose)
    if position is None or not position.permitted:
        return None, None
    if position.via == "consent":
        return ShareBasis.CONSENT, None
    basis = referral.lawful_bases.filter(purpose=purpose, status=LawfulBasisStatus.APPROVED).first()
    return ShareBasis.LAWFUL_BASIS, basis


def share_with_organisation(case, organisation, purpose, *, actor, referral) -> CaseShare:
    """Share for one purpose on the consent or approved lawful basis that covers it."""
    basis, lawful_basis = _sharing_basis(referral, purpose)
    if basis is None:
        raise field_error(
            "purpose",
            "No consent or approved lawful basis covers sharing for this purpose",
            "not_permitted",
        )
    share = CaseShare(
        case=case,
        organisation=organisation,
        purpose=purpose,
        basis=basis,
        lawful_basis=lawful_basis,
        shared_by=actor,
    )
    try:
        with transaction.atomic():
            _history(share, actor=actor, reason="Case shared").save()
    except IntegrityError as exc:
        raise ConflictError("The case is already shared with them for this purpose") from exc
    assign_perm("cases.view_case", organisation.group, case)
    record_disclosure(
        actor,
        recipient_organisation=organisation,
        person_id=case.person_id,
        object_type="case",
        object_id=case.pk,
        data_categories="identity, referral, case record",
        purpose=purpose,
        basis=basis,
    )
    return share


def _latest_referral(case: Case) -> Referral:
    return case.referrals.order_by("-referral_date", "-created_at").first()


def _lock_case(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _require_open(case: Case, doing: str) -> None:
    if case.status != CaseStatus.OPEN:
        raise ConflictError(f"Cannot {doing}: the case is closed")


@transaction.atomic
def case_share(*, actor: User, case: Case, organisation: Organisation, purpose: str) -> CaseShare:
    case = _lock_case(case)
    require_case_action(actor, case, "share")
    _require_open(case, "share it")
    if purpose not in (Purpose.INFORMATION_SHARING, Purpose.INTERVENTION_DELIVERY):
        raise field_error(
            "purpose", "Cases are shared for information sharing or delivery", "invalid"
        )
    return share_with_organisation(
        case, organisation, purpose, actor=actor, referral=_latest_referral(case)
    )


def _end_share(share: CaseShare, *, actor: User, reason: str) -> None:
    share.ended_at = timezone.now()
    share.ended_by = actor
    share.end_reason = reason
    _history(share, actor=actor, reason="Sharing ended").save()
    still_shared = CaseShare.objects.filter(
        case_id=share.case_id, organisation_id=share.organisation_id, ended_at__isnull=True
    ).exists()
    if not still_shared:
        remove_perm("cases.view_case", share.organisation.group, share.case)


@transaction.atomic
def case_unshare(*, actor: User, share: CaseShare, reason: str) -> CaseShare:
    share = (
        CaseShare.objects.select_for_update()
        .select_related("case", "organisation")
        .get(pk=share.pk)
    )
    require_case_action(actor, share.case, "unshare")
    if share.ended_at is not None:
        raise ConflictError("Sharing with them has already ended")
    if not reason.strip():
        raise field_error("reason", "Say why sharing ends", "required")
    _end_share(share, actor=actor, reason=reason.strip())
    return share


def shares_follow_consent(referral: Referral, *, actor: User | None) -> int:
    """End, at once, shares whose consent or lawful basis no longer holds."""
    if referral.case_id is None:
        return 0
    ended = 0
    shares = (
        CaseShare.objects.select_for_update()
        .select_related("case", "organisation")
        .filter(case_id=referral.case_id, ended_at__isnull=True)
    )
    for share in shares:
        if share.purpose not in referral.permitted_purposes:
            _end_share(share, actor=actor, reason="Consent withdrawn and no lawful basis covers it")
            ended += 1
    return ended


@transaction.atomic
def risk_review_record(
    *,
    actor: User,
    case: Case,
    level: str,
    rationale: str,
    reviewed_on: datetime.date,
    next_review_date: datetime.date,
) -> RiskReview:
    case = _lock_case(case)
    require_case_action(actor, case, "review")
    _require_open(case, "review risk")
    if level not in RiskLevel.values:
        raise field_error("level", "Choose a risk level", "invalid_choice")
    if reviewed_on > timezone.localdate():
        raise field_error("reviewed_on", "Cannot be in the future", "future_date")
    if next_review_date <= reviewed_on:
        raise field_error("next_review_date", "Must be after the review", "not_after_review")
    if not rationale.strip():
        raise field_error("rationale", "Explain the risk level", "required")
    review = RiskReview(
        case=case,
        level=level,
        rationale=rationale.strip(),
        reviewer=actor,
        reviewed_on=reviewed_on,
        next_review_date=next_review_date,
    )
    _history(review, actor=actor, reason="Risk reviewed").save()
    case.risk_level = level
    case.next_review_date = next_review_date
    case.version += 1
    _history(case, actor=actor, reason="Risk reviewed").save()
    return review


@transaction.atomic
def note_add(*, actor: User, case: Case, text: str, corrects: CaseNote | None = None) -> CaseNote:
    case = _lock_case(case)
    require_case_action(actor, case, "note")
    if not text.strip():
        raise field_error("text", "Write the note", "required")
    if corrects is not None and corrects.case_id != case.pk:
        raise field_error("corrects", "That note belongs to another case", "invalid")
    organisation = next(
        (
            m.organisation
            for m in active_memberships(actor)
            if m.organisation_id == case.lead_organisation_id
        ),
        active_memberships(actor)[0].organisation,
    )
    note = CaseNote(
        case=case,
        author=actor,
        author_organisation=organisation,
        text=text.strip(),
        corrects=corrects,
    )
    _history(note, actor=actor, reason="Correction" if corrects else "Note added").save()
    return note


@transaction.atomic
def note_edit(*, actor: User, note: CaseNote, text: str, expected_version: int) -> CaseNote:
    note = CaseNote.objects.select_for_update().get(pk=note.pk)
    if note.author_id != actor.pk:
        raise PermissionDenied("Only the author may edit a note")
    if timezone.now() - note.created_at > NOTE_EDIT_WINDOW:
        raise ConflictError(
            "Notes can be edited for 24 hours; add a correction that points at this note instead"
        )
    if note.version != expected_version:
        raise ConflictError()
    if not text.strip():
        raise field_error("text", "Write the note", "required")
    note.text = text.strip()
    note.version += 1
    _history(note, actor=actor, reason="Note edited by its author").save()
    return note


@transaction.atomic
def case_close(*, actor: User, case: Case, reason: str, summary: str) -> Case:
    case = _lock_case(case)
    require_case_action(actor, case, "close")
    _require_open(case, "close it")
    if reason not in ClosureReason.values:
        raise field_error("reason", "Choose why the case closes", "invalid_choice")
    if not summary.strip():
        raise field_error("summary", "Summarise the case at closure", "required")
    case.status = CaseStatus.CLOSED
    case.closed_at = timezone.now()
    case.closure_reason = reason
    case.closure_summary = summary.strip()
    case.version += 1
    _history(case, actor=actor, reason=f"Closed: {ClosureReason(reason).label.lower()}").save()
    return case


@transaction.atomic
def case_reopen(*, actor: User, case: Case, reason: str) -> Case:
    case = _lock_case(case)
    require_case_action(actor, case, "reopen")
    if case.status != CaseStatus.CLOSED:
        raise ConflictError("The case is already open")
    if not reason.strip():
        raise field_error("reason", "Say why the case reopens", "required")
    case.status = CaseStatus.OPEN
    case.reopen_reason = reason.strip()
    case.closed_at = None
    case.version += 1
    _history(case, actor=actor, reason="Reopened").save()
    return case
