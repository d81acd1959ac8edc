"""Telling people: one function per thing that happens, called by the domain service that
makes it happen, inside its transaction. The notification rows and the job that emails them
commit or roll back with the change; a change that fails tells nobody.

Each function takes the record (read by attribute, so this app imports no domain app) and
works out who is told from the memberships in force now. Whoever caused the change is not
told of it.
"""

import hashlib
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from notifications.models import Kind, Notification, Preference
from notifications.permissions import require
from notifications.recipients import holding
from notifications.selectors import emailed
from notifications.tasks import send_notification_email
from partners.roles import Role


def _ids(recipients: Iterable) -> set:
    return {getattr(r, "pk", r) for r in recipients if getattr(r, "pk", r) is not None}


@transaction.atomic
def notification_send(
    *,
    kind: str,
    recipients: Iterable,
    actor=None,
    subject_type: str = "",
    subject_id="",
    key: str = "",
    detail: str = "",
) -> list[Notification]:
    """Tell each recipient (users or their ids) once, and email those who want it.

    With a ``key``, a recipient already told under that key is not told again: a periodic
    job run twice sends nothing new."""
    wanted = _ids(recipients) - _ids([actor] if actor is not None else [])
    if key:
        wanted -= set(
            Notification.objects.filter(recipient_id__in=wanted, key=key).values_list(
                "recipient_id", flat=True
            )
        )
    if not wanted:
        return []
    created = Notification.objects.bulk_create(
        Notification(
            recipient_id=pk,
            kind=kind,
            subject_type=subject_type,
            subject_id=str(subject_id or ""),
            key=key,
            detail=detail[: Notification._meta.get_field("detail").max_length],
        )
        for pk in sorted(wanted)
    )
    by_email = emailed(wanted, kind)
    for notification in created:
        if notification.recipient_id in by_email:
            send_notification_email.defer(notification_id=notification.pk)
    return created


# --- Referrals -----------------------------------------------------------------------------


def notification_referral_submitted(*, referral, actor) -> list[Notification]:
    """A referral joined the screening queue: its area's coordinators are told."""
    return notification_send(
        kind=Kind.REFERRAL_SUBMITTED,
        recipients=holding({Role.COORDINATOR}, area=referral.area),
        actor=actor,
        subject_type="referral",
        subject_id=referral.pk,
    )


def notification_referral_returned(*, referral, actor) -> list[Notification]:
    return notification_send(
        kind=Kind.REFERRAL_RETURNED,
        recipients=[referral.referrer_id],
        actor=actor,
        subject_type="referral",
        subject_id=referral.pk,
    )


def notification_referral_decided(*, referral, actor) -> list[Notification]:
    """Screened (accepted, declined, signposted) or decided at panel: the referrer is told."""
    return notification_send(
        kind=Kind.REFERRAL_DECIDED,
        recipients=[referral.referrer_id],
        actor=actor,
        subject_type="referral",
        subject_id=referral.pk,
    )


def notification_consent_withdrawn(*, referral, actor) -> list[Notification]:
    """Consent or a lawful basis was withdrawn: everyone working on the referral or its case
    is told. The referrer and (once it is submitted) the area's coordinators hear about the
    referral; the case's lead professional and the caseworkers of the organisations it is
    shared with now hear about the case. Shares that relied on the consent end in the same
    transaction, and from then on those caseworkers see the notification without the case.
    Providers hear from ``notification_allocation_withdrawn`` when their allocation ends."""
    about_referral = {referral.referrer_id}
    if referral.status != "draft":
        about_referral |= _ids(holding({Role.COORDINATOR}, area=referral.area))
    sent = notification_send(
        kind=Kind.CONSENT_WITHDRAWN,
        recipients=about_referral,
        actor=actor,
        subject_type="referral",
        subject_id=referral.pk,
    )
    case = referral.case
    if case is None:
        return sent
    shared_with = case.shares.filter(ended_at__isnull=True).values("organisation_id")
    about_case = {case.lead_professional_id} | _ids(
        holding({Role.REFERRER}, organisation_ids=shared_with)
    )
    return sent + notification_send(
        kind=Kind.CONSENT_WITHDRAWN,
        recipients=about_case - about_referral,
        actor=actor,
        subject_type="case",
        subject_id=case.pk,
    )


# --- Panels and cases --------------------------------------------------------------------


def notification_agenda_ready(*, meeting, members) -> list[Notification]:
    """Sent by the daily job two working days before the meeting, once per meeting."""
    return notification_send(
        kind=Kind.AGENDA_READY,
        recipients=members,
        subject_type="panel_meeting",
        subject_id=meeting.pk,
        key=f"agenda:{meeting.pk}:{meeting.meets_at.date().isoformat()}",
    )


def notification_case_opened(*, case, actor) -> list[Notification]:
    return notification_send(
        kind=Kind.CASE_OPENED,
        recipients=[case.lead_professional_id],
        actor=actor,
        subject_type="case",
        subject_id=case.pk,
    )


def notification_work_due(*, user, on) -> list[Notification]:
    """The daily digest: this person has risk reviews overdue or panel actions due. One per
    person per day, however often the job runs."""
    return notification_send(
        kind=Kind.WORK_DUE, recipients=[user], key=f"work-due:{on.isoformat()}"
    )


# --- Interventions -----------------------------------------------------------------------


def _allocation_recipients(allocation) -> set:
    providers = holding({Role.PROVIDER}, organisation_id=allocation.intervention.provider_id)
    return _ids(providers) | {allocation.case.lead_professional_id}


def notification_allocation_offered(*, allocation, actor) -> list[Notification]:
    """A place was offered: the provider's keyworkers and the case's lead professional."""
    return notification_send(
        kind=Kind.ALLOCATION_OFFERED,
        recipients=_allocation_recipients(allocation),
        actor=actor,
        subject_type="allocation",
        subject_id=allocation.pk,
    )


def notification_place_freed(*, allocation) -> list[Notification]:
    """A freed place went to this allocation from the waiting list: the provider's
    keyworkers and the case's lead professional (whoever freed it included: they freed a
    place, not offered this one)."""
    return notification_send(
        kind=Kind.PLACE_FREED,
        recipients=_allocation_recipients(allocation),
        subject_type="allocation",
        subject_id=allocation.pk,
    )


def notification_allocation_withdrawn(*, allocation, actor) -> list[Notification]:
    """Agreement to take part (or consent) no longer holds and the allocation was withdrawn
    with it: the provider's keyworkers, who work on it, are told (the referral's people are
    told by ``notification_consent_withdrawn``)."""
    providers = holding({Role.PROVIDER}, organisation_id=allocation.intervention.provider_id)
    return notification_send(
        kind=Kind.CONSENT_WITHDRAWN,
        recipients=providers,
        actor=actor,
        subject_type="allocation",
        subject_id=allocation.pk,
    )


# --- Information governance ----------------------------------------------------------------


def _ig_officers():
    return holding({Role.IG_OFFICER})


def notification_break_glass(*, grant, actor) -> list[Notification]:
    return notification_send(
        kind=Kind.BREAK_GLASS,
        recipients=_ig_officers(),
        actor=actor,
        subject_type="person_access",
        subject_id=grant.person_id,
    )


def notification_flags_waiting(*, on) -> list[Notification]:
    """The daily digest of flags waiting for review: once a day, to every IG officer."""
    return notification_send(
        kind=Kind.FLAGS_WAITING, recipients=_ig_officers(), key=f"flags:{on.isoformat()}"
    )


def notification_agreement_review(*, agreement) -> list[Notification]:
    """Once per agreement and review date: a new review date is a new reminder."""
    return notification_send(
        kind=Kind.AGREEMENT_REVIEW,
        recipients=_ig_officers(),
        subject_type="sharing_agreement",
        subject_id=agreement.pk,
        key=f"agreement:{agreement.pk}:{agreement.review_on.isoformat()}",
    )


def notification_chain_broken(*, detail: str) -> list[Notification]:
    """The audit chain failed verification: IG officers and administrators are told, once
    per break (the nightly run and any retry find the same one). ``detail`` (which entry
    failed) is shown on the notifications page, never emailed."""
    return notification_send(
        kind=Kind.CHAIN_BROKEN,
        recipients=holding({Role.IG_OFFICER, Role.ADMIN}),
        detail=detail,
        key=f"chain-broken:{hashlib.sha256(detail.encode()).hexdigest()}",
    )


# --- The recipient's own ---------------------------------------------------------------------


def notification_mark_read(*, actor, notification: Notification) -> Notification:
    require(actor, "notifications.mark_read", notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preferences_set(*, actor, email: dict[str, bool]) -> None:
    """``email`` maps each kind to whether it is emailed; kinds not named are left alone."""
    for kind, wanted in email.items():
        if kind not in Kind.values:
            raise ValueError(f"no notification kind {kind!r}")
        Preference.objects.update_or_create(user=actor, kind=kind, defaults={"email": bool(wanted)})
