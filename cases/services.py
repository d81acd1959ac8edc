"""Panel meetings, decisions and cases. Each function asks ``cases.permissions.require``
for the actor's right to the operation, checks the state (409 when it no longer holds) and
consent, bounds the text it stores, runs in one transaction, and records the actor and the
reason in history. Jobs and consent cascades act as ``core.actors.SYSTEM``."""

import datetime

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from audit.chain import bulk_create_with_history
from audit.recorder import record_disclosure, record_end_of_disclosure
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
from cases.permissions import case_open_for, require
from cases.selectors import (
    PANEL_ROLES,
    acting_organisation_on_case,
    latest_referral,
    note_of_case,
)
from core.actors import history_user
from core.errors import ConflictError, field_error, require_version
from core.history import with_history
from core.text import bounded_text, model_max_length
from notifications.services import notification_case_opened, notification_referral_decided
from partners.models import Area, Organisation, User
from partners.roles import Role
from partners.selectors import active_memberships, covered_areas, organisation_where_holding
from referrals.consent import consent_position
from referrals.disclosure import (
    approved_basis_for,
    referral_data_categories,
    referral_disclosure_permit,
)
from referrals.models import (
    Purpose,
    Referral,
    ReferralStatus,
    SignpostService,
)
from referrals.pathways import RiskLevel
from sharing.vocabulary import DataCategory, in_words

REVIEW_INTERVAL = datetime.timedelta(days=28)
NOTE_EDIT_WINDOW = datetime.timedelta(hours=24)
CASE_ROLES = {Role.REFERRER, Role.COORDINATOR}


# --- Meetings ----------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *, actor: User, area: str, meets_at: datetime.datetime, chair: User, members: list[User]
) -> PanelMeeting:
    if area not in Area.values:
        raise field_error("area", f"Choose one of: {', '.join(Area.values)}", "invalid_choice")
    require(actor, "meeting.arrange", area)
    chair_organisation = organisation_where_holding(chair, {Role.PANEL_CHAIR})
    if chair_organisation is None:
        raise field_error("chair", "The chair must hold the panel chair role", "not_a_chair")
    errors = []
    attendance = [(chair, chair_organisation)]
    for member in members:
        if member.pk == chair.pk:
            continue
        organisation = organisation_where_holding(member, PANEL_ROLES)
        if organisation is None:
            errors.append(f"{member} does not hold a panel role")
        attendance.append((member, organisation))
    if errors:
        raise field_error("members", "; ".join(errors), "not_a_panel_member")
    meeting = PanelMeeting(area=area, meets_at=meets_at, chair=chair, created_by=actor)
    with_history(meeting, actor=actor, reason="Panel meeting arranged").save()
    bulk_create_with_history(
        [PanelAttendance(meeting=meeting, user=u, organisation=o) for u, o in attendance],
        PanelAttendance,
        default_user=history_user(actor),
        default_change_reason="Invited to the meeting",
    )
    return meeting


def _lock_meeting(meeting: PanelMeeting) -> PanelMeeting:
    return PanelMeeting.objects.select_for_update().get(pk=meeting.pk)


def _require_meeting_status(meeting: PanelMeeting, allowed, doing: str) -> None:
    if meeting.status not in allowed:
        raise ConflictError(
            f"Cannot {doing}: the meeting is {meeting.get_status_display().lower()}"
        )


def _move_meeting(meeting, status, *, actor, reason):
    meeting.status = status
    meeting.version += 1
    return with_history(meeting, actor=actor, reason=reason).save()


@transaction.atomic
def meeting_start(*, actor: User, meeting: PanelMeeting) -> PanelMeeting:
    meeting = _lock_meeting(meeting)
    require(actor, "meeting.start", meeting)
    _require_meeting_status(meeting, (MeetingStatus.SCHEDULED,), "start it")
    _move_meeting(meeting, MeetingStatus.IN_PROGRESS, actor=actor, reason="Meeting started")
    return meeting


@transaction.atomic
def meeting_close(*, actor: User, meeting: PanelMeeting) -> PanelMeeting:
    meeting = _lock_meeting(meeting)
    require(actor, "meeting.close", meeting)
    _require_meeting_status(meeting, (MeetingStatus.IN_PROGRESS,), "close it")
    meeting.closed_at = timezone.now()
    _move_meeting(meeting, MeetingStatus.CLOSED, actor=actor, reason="Meeting closed")
    return meeting


@transaction.atomic
def meeting_reopen(*, actor: User, meeting: PanelMeeting, reason: str) -> PanelMeeting:
    meeting = _lock_meeting(meeting)
    require(actor, "meeting.reopen", meeting)
    _require_meeting_status(meeting, (MeetingStatus.CLOSED,), "reopen it")
    meeting.reopen_reason = bounded_text(
        reason,
        field="reason",
        max_length=model_max_length(PanelMeeting, "reopen_reason"),
        required=True,
        keep_lines=True,
    )
    meeting.closed_at = None
    _move_meeting(meeting, MeetingStatus.IN_PROGRESS, actor=actor, reason="Meeting reopened")
    return meeting


@transaction.atomic
def attendance_record(
    *, actor: User, meeting: PanelMeeting, member: User, attended: bool
) -> PanelAttendance:
    meeting = _lock_meeting(meeting)
    require(actor, "meeting.attendance", meeting)
    _require_meeting_status(
        meeting, (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS), "record attendance"
    )
    attendance = PanelAttendance.objects.filter(meeting=meeting, user=member).first()
    if attendance is None:
        raise field_error("user", "This person is not a member of the meeting", "not_a_member")
    attendance.attended = attended
    attendance.recorded_by = actor
    with_history(attendance, actor=actor, reason="Attendance recorded").save()
    return attendance


@transaction.atomic
def attendance_register(*, actor: User, meeting: PanelMeeting, attended) -> list[PanelAttendance]:
    """The whole register at once: each member in ``attended`` attended, every other member
    did not. Rows that do not change keep their history as it is."""
    meeting = _lock_meeting(meeting)
    require(actor, "meeting.attendance", meeting)
    _require_meeting_status(
        meeting, (MeetingStatus.SCHEDULED, MeetingStatus.IN_PROGRESS), "record attendance"
    )
    present = {user.pk for user in attended}
    register = list(PanelAttendance.objects.filter(meeting=meeting).select_for_update())
    unknown = present - {row.user_id for row in register}
    if unknown:
        raise field_error("attended", "Choose only members of the meeting", "not_a_member")
    for row in register:
        was = row.attended
        row.attended = row.user_id in present
        if row.attended != was:
            row.recorded_by = actor
            with_history(row, actor=actor, reason="Attendance recorded").save()
    return register


# --- Decisions ---------------------------------------------------------------------------

REFERRAL_STATUS_AFTER = {
    DecisionOutcome.OPEN_CASE: ReferralStatus.CASE_OPENED,
    DecisionOutcome.NO_FURTHER_ACTION: ReferralStatus.NO_FURTHER_ACTION,
    DecisionOutcome.DEFER: ReferralStatus.ACCEPTED_FOR_PANEL,
    DecisionOutcome.SIGNPOST: ReferralStatus.SIGNPOSTED,
}


def _check_actions(actions: list[dict]) -> list[dict]:
    checked = []
    for index, action in enumerate(actions):
        description = bounded_text(
            action.get("description"),
            field=f"actions.{index}.description",
            max_length=model_max_length(PanelAction, "description"),
            required=True,
            keep_lines=True,
        )
        owner = action.get("owner")
        if owner is None or not active_memberships(owner):
            raise field_error(
                f"actions.{index}.owner", "The owner must be a partner's user", "invalid"
            )
        if not isinstance(action.get("due_date"), datetime.date):
            raise field_error(f"actions.{index}.due_date", "Give a due date", "required")
        checked.append({**action, "description": description})
    return checked


def _apply_outcome(decision: PanelDecision, referral: Referral, *, actor: User, **details):
    outcome = decision.outcome
    if outcome == DecisionOutcome.SIGNPOST:
        service = details.get("signpost_service") or ""
        if service not in SignpostService.values:
            raise field_error("signpost_service", "Name the service signposted to", "required")
        if service == SignpostService.OTHER and not details.get("signpost_service_name"):
            raise field_error("signpost_service_name", "Name the service", "required")
        decision.signpost_service = service
        decision.signpost_service_name = bounded_text(
            details.get("signpost_service_name"),
            field="signpost_service_name",
            max_length=model_max_length(PanelDecision, "signpost_service_name"),
        )
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
    with_history(referral, actor=actor, reason=f"Panel: {decision.get_outcome_display().lower()}")
    referral.save()


def _create_actions(decision: PanelDecision, actions: list[dict], *, actor: User) -> None:
    bulk_create_with_history(
        [
            PanelAction(
                decision=decision,
                description=a["description"],
                owner=a["owner"],
                due_date=a["due_date"],
            )
            for a in actions
        ],
        PanelAction,
        default_user=history_user(actor),
        default_change_reason="Action agreed",
    )


def _rationale(text) -> str:
    return bounded_text(
        text,
        field="rationale",
        max_length=model_max_length(PanelDecision, "rationale"),
        required=True,
        keep_lines=True,
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
    require(actor, "meeting.decide", meeting)
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
    rationale = _rationale(rationale)
    actions = _check_actions(actions or [])
    decision = PanelDecision(
        meeting=meeting,
        referral=referral,
        outcome=outcome,
        rationale=rationale,
        decided_by=actor,
    )
    _apply_outcome(decision, referral, actor=actor, **details)
    try:
        with transaction.atomic():
            with_history(decision, actor=actor, reason="Decision recorded").save()
    except IntegrityError as exc:  # a concurrent decision on the same item won
        raise ConflictError("This item already has a decision") from exc
    _create_actions(decision, actions, actor=actor)
    notification_referral_decided(referral=referral, actor=actor)
    if decision.case is not None:
        notification_case_opened(case=decision.case, actor=actor)
    return decision


@transaction.atomic
def decision_amend(
    *,
    actor: User,
    decision: PanelDecision,
    expected_version: int | None,
    rationale: str | None = None,
    outcome: str | None = None,
    actions: list[dict] | None = None,
    **details,
) -> PanelDecision:
    decision = PanelDecision.objects.select_for_update().get(pk=decision.pk)
    meeting = _lock_meeting(decision.meeting)
    require(actor, "meeting.decide", meeting)
    require_version(decision, expected_version)
    _require_meeting_status(meeting, (MeetingStatus.IN_PROGRESS,), "amend a decision")
    if rationale is not None:
        decision.rationale = _rationale(rationale)
    if outcome is not None and outcome != decision.outcome:
        if DecisionOutcome.OPEN_CASE in (outcome, decision.outcome):
            raise ConflictError(
                "A decision that opens a case cannot be changed; close the case with a reason"
            )
        if outcome not in DecisionOutcome.values:
            raise field_error("outcome", "Choose a decision", "invalid_choice")
        referral = Referral.objects.select_for_update(of=("self",)).get(pk=decision.referral_id)
        if referral.status != REFERRAL_STATUS_AFTER[decision.outcome]:
            # E.g. deferred, then back to screening when panel-discussion consent was lost.
            raise ConflictError(
                "This referral has moved on since the decision: it is "
                f"{referral.get_status_display().lower()}"
            )
        decision.outcome = outcome
        _apply_outcome(decision, referral, actor=actor, **details)
        notification_referral_decided(referral=referral, actor=actor)
    if actions is not None:
        actions = _check_actions(actions)
        # One by one, so each removal leaves its history row.
        for replaced in decision.actions.filter(done_at__isnull=True):
            with_history(replaced, actor=actor, reason="Action replaced").delete()
        _create_actions(decision, actions, actor=actor)
    decision.version += 1
    with_history(decision, actor=actor, reason="Decision amended").save()
    return decision


@transaction.atomic
def action_complete(*, actor: User, action: PanelAction) -> PanelAction:
    action = (
        PanelAction.objects.select_for_update()
        .select_related("decision__meeting")
        .get(pk=action.pk)
    )
    require(actor, "action.complete", action)
    if action.done_at is None:
        action.done_at = timezone.now()
        with_history(action, actor=actor, reason="Action done").save()
    return action


# --- Cases -------------------------------------------------------------------------------


def _case_for_decision(*, actor, referral, lead_professional, lead_organisation) -> Case:
    if lead_professional is None:
        raise field_error("lead_professional", "Name the lead professional", "required")
    if lead_organisation is None:
        raise field_error("lead_organisation", "Name the lead organisation", "required")
    if not organisation_where_holding(
        lead_professional, CASE_ROLES, organisation=lead_organisation
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
    with_history(case, actor=actor, reason="Case opened by the panel").save()
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
    if position.via == "participation":
        return ShareBasis.PARTICIPATION, None
    return ShareBasis.LAWFUL_BASIS, approved_basis_for(referral, purpose)


def case_share_permit(case, organisation, purpose, *, actor, referral):
    """The rule of ``sharing.rules`` that permits the organisation ``actor`` acts for to
    share ``case`` (what its referral's record carries) with ``organisation``; raises
    ``DisclosureRefused`` (400, with the reason) when none does."""
    return referral_disclosure_permit(
        referral,
        discloser=acting_organisation_on_case(actor, case),
        recipient=organisation,
        purpose=purpose,
    )


def share_with_organisation(case, organisation, purpose, *, actor, referral) -> CaseShare:
    """Share for one purpose on the consent or approved lawful basis that covers it, where a
    rule of the disclosure rule table permits this discloser to give it to this recipient;
    nothing is written when none does."""
    basis, lawful_basis = _sharing_basis(referral, purpose)
    if basis is None:
        raise field_error(
            "purpose",
            "No consent or approved lawful basis covers sharing for this purpose",
            "not_permitted",
        )
    permit = case_share_permit(case, organisation, purpose, actor=actor, referral=referral)
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
            with_history(share, actor=actor, reason="Case shared").save()
    except IntegrityError as exc:
        raise ConflictError("The case is already shared with them for this purpose") from exc
    assign_perm("cases.view_case", organisation.group, case)
    record_disclosure(
        actor,
        recipient_organisation=organisation,
        person_id=case.person_id,
        object_type="case",
        object_id=case.pk,
        data_categories=in_words(DataCategory, referral_data_categories(referral)),
        purpose=purpose,
        basis=permit.basis,
        details=permit.details,
    )
    return share


def _lock_case(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


def _require_open(case: Case, action: str, doing: str) -> None:
    if not case_open_for(case, action):
        raise ConflictError(f"Cannot {doing}: the case is {case.get_status_display().lower()}")


@transaction.atomic
def case_share(*, actor: User, case: Case, organisation: Organisation, purpose: str) -> CaseShare:
    case = _lock_case(case)
    require(actor, "case.share", case)
    _require_open(case, "case.share", "share it")
    if purpose not in (Purpose.INFORMATION_SHARING, Purpose.INTERVENTION_DELIVERY):
        raise field_error(
            "purpose", "Cases are shared for information sharing or delivery", "invalid"
        )
    return share_with_organisation(
        case, organisation, purpose, actor=actor, referral=latest_referral(case)
    )


def _end_share(share: CaseShare, *, actor: User, reason: str) -> None:
    share.ended_at = timezone.now()
    share.ended_by = history_user(actor)
    share.end_reason = reason
    with_history(share, actor=actor, reason="Sharing ended").save()
    # The ledger shows when each disclosure stopped, and why, as for a provider's allocation.
    referral = latest_referral(share.case)
    record_end_of_disclosure(
        actor,
        recipient_organisation=share.organisation,
        person_id=share.case.person_id,
        object_type="case",
        object_id=share.case_id,
        data_categories=in_words(DataCategory, referral_data_categories(referral))
        if referral
        else "",
        purpose=share.purpose,
        reason=reason,
    )
    still_shared = CaseShare.objects.filter(
        case_id=share.case_id, organisation_id=share.organisation_id, ended_at__isnull=True
    ).exists()
    if not still_shared:
        remove_perm("cases.view_case", share.organisation.group, share.case)


def end_sharing_for(case, organisation, purpose, *, actor, reason: str) -> None:
    """End the open share of ``case`` with ``organisation`` for ``purpose``, if there is one
    (its allocations ended, so the provider no longer needs the case)."""
    share = (
        CaseShare.objects.select_for_update()
        .filter(case=case, organisation=organisation, purpose=purpose, ended_at__isnull=True)
        .select_related("case", "organisation")
        .first()
    )
    if share is not None:
        _end_share(share, actor=actor, reason=reason)


@transaction.atomic
def case_unshare(*, actor: User, share: CaseShare, reason: str) -> CaseShare:
    share = (
        CaseShare.objects.select_for_update()
        .select_related("case", "organisation")
        .get(pk=share.pk)
    )
    require(actor, "case.unshare", share.case)
    if share.ended_at is not None:
        raise ConflictError("Sharing with them has already ended")
    reason = bounded_text(
        reason,
        field="reason",
        max_length=model_max_length(CaseShare, "end_reason"),
        required=True,
        keep_lines=True,
    )
    _end_share(share, actor=actor, reason=reason)
    return share


def shares_follow_consent(referral: Referral, *, actor) -> int:
    """End, at once, shares whose consent or lawful basis no longer holds.

    No permission check: this follows a consent change, in its transaction, labelled with the
    actor who changed consent (a user, or ``SYSTEM`` when a job did)."""
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
    require(actor, "case.review", case)
    _require_open(case, "case.review", "review risk")
    if level not in RiskLevel.values:
        raise field_error("level", "Choose a risk level", "invalid_choice")
    if reviewed_on > timezone.localdate():
        raise field_error("reviewed_on", "Cannot be in the future", "future_date")
    if next_review_date <= reviewed_on:
        raise field_error("next_review_date", "Must be after the review", "not_after_review")
    rationale = bounded_text(
        rationale,
        field="rationale",
        max_length=model_max_length(RiskReview, "rationale"),
        required=True,
        keep_lines=True,
    )
    review = RiskReview(
        case=case,
        level=level,
        rationale=rationale,
        reviewer=actor,
        reviewed_on=reviewed_on,
        next_review_date=next_review_date,
    )
    with_history(review, actor=actor, reason="Risk reviewed").save()
    case.risk_level = level
    case.next_review_date = next_review_date
    case.version += 1
    with_history(case, actor=actor, reason="Risk reviewed").save()
    return review


def _note_text(text) -> str:
    return bounded_text(
        text,
        field="text",
        max_length=model_max_length(CaseNote, "text"),
        required=True,
        keep_lines=True,
    )


@transaction.atomic
def note_add(*, actor: User, case: Case, text: str, corrects: int | None = None) -> CaseNote:
    """A note on the case; ``corrects`` names (by id) an earlier note of the same case that
    this one corrects. A correction of a note the case does not hold is refused (400), never
    kept as a plain note."""
    case = _lock_case(case)
    require(actor, "case.note", case)
    text = _note_text(text)
    corrected = None
    if corrects not in (None, ""):
        try:
            corrected = note_of_case(case, corrects)
        except Http404:
            raise field_error("corrects", "No such note on this case", "does_not_exist") from None
    note = CaseNote(
        case=case,
        author=actor,
        author_organisation=acting_organisation_on_case(actor, case),
        text=text,
        corrects=corrected,
    )
    with_history(note, actor=actor, reason="Correction" if corrected else "Note added").save()
    return note


@transaction.atomic
def note_edit(*, actor: User, note: CaseNote, text: str, expected_version: int | None) -> CaseNote:
    note = CaseNote.objects.select_for_update().get(pk=note.pk)
    require(actor, "note.edit", note)
    require_version(note, expected_version)
    if timezone.now() - note.created_at > NOTE_EDIT_WINDOW:
        raise ConflictError(
            "Notes can be edited for 24 hours; add a correction that points at this note instead"
        )
    note.text = _note_text(text)
    note.version += 1
    with_history(note, actor=actor, reason="Note edited by its author").save()
    return note


@transaction.atomic
def case_close(*, actor: User, case: Case, reason: str, summary: str) -> Case:
    case = _lock_case(case)
    require(actor, "case.close", case)
    _require_open(case, "case.close", "close it")
    if reason not in ClosureReason.values:
        raise field_error("reason", "Choose why the case closes", "invalid_choice")
    summary = bounded_text(
        summary,
        field="summary",
        max_length=model_max_length(Case, "closure_summary"),
        required=True,
        keep_lines=True,
    )
    case.status = CaseStatus.CLOSED
    case.closed_at = timezone.now()
    case.closure_reason = reason
    case.closure_summary = summary
    case.version += 1
    with_history(case, actor=actor, reason=f"Closed: {ClosureReason(reason).label.lower()}").save()
    return case


@transaction.atomic
def case_reopen(*, actor: User, case: Case, reason: str) -> Case:
    case = _lock_case(case)
    require(actor, "case.reopen", case)
    if not case_open_for(case, "case.reopen"):
        raise ConflictError("The case is already open")
    reason = bounded_text(
        reason,
        field="reason",
        max_length=model_max_length(Case, "reopen_reason"),
        required=True,
        keep_lines=True,
    )
    case.status = CaseStatus.OPEN
    case.reopen_reason = reason
    case.closed_at = None
    case.version += 1
    with_history(case, actor=actor, reason="Reopened").save()
    return case
