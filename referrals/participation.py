"""Agreement to take part in a voluntary intervention, recorded apart from consent to
sharing and from the lawful basis for sharing.

HM Government, Information sharing: advice for practitioners providing safeguarding
services (2024), separates a person's (or parent's) agreement to receive a service from
consent as a lawful basis for sharing, which is not usually the appropriate one. So:

- who may agree follows the consent rules (``referrals.consent.check_giver``): an adult
  for themselves, 16 and 17 for themselves or a parent, under 16 a parent or guardian, or
  the child once a Gillick competence assessment finds them competent;
- delivery goes ahead only while whoever decides agrees
  (``Referral.permitted_purposes`` holds intervention delivery only then), and no lawful
  basis stands in for agreement (``referrals.consent.lawful_basis_record`` refuses one);
- withdrawing agreement ends delivery at once: allocations are withdrawn, the provider no
  longer sees who the person is, and the end of the disclosure is in the ledger
  (``interventions.services.allocations_follow_consent``, through the signal).
"""

import datetime

from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM
from core.errors import field_error
from core.history import with_history
from notifications.services import notification_consent_withdrawn
from partners.models import User
from referrals.consent import (
    LossCause,
    PurposePosition,
    _lock,
    _text,
    check_giver,
    consent_position,
    delivery_position,
    refresh_permitted_purposes,
)
from referrals.models import (
    ConsentMethod,
    Participation,
    ParticipationDecision,
    Purpose,
    Referral,
)
from referrals.permissions import PARTICIPATION_OPEN_IN, require


def taking_part_position(referral: Referral) -> PurposePosition:
    """Whether intervention delivery may go ahead now, and why, in words."""
    return delivery_position(referral)


def positions_apart(referral: Referral) -> tuple[list[PurposePosition], PurposePosition]:
    """Consent and lawful bases cover sharing; taking part is agreed apart: (what sharing is
    permitted, per purpose; whether taking part is agreed), from one reading of the
    position."""
    positions = consent_position(referral)
    taking_part = positions.pop(Purpose.INTERVENTION_DELIVERY)
    return list(positions.values()), taking_part


# What can be recorded as a decision: withdrawal has its own action, with its reason.
RECORDABLE = (ParticipationDecision.AGREED, ParticipationDecision.DECLINED)


@transaction.atomic
def participation_record(
    *,
    actor: User,
    referral: Referral,
    given_by: str,
    decision: str,
    decided_on: datetime.date,
    method: str = "",
    giver_name: str = "",
    note: str = "",
) -> Participation:
    referral = _lock(referral)
    require(actor, "participation.record", referral)
    giver_name = _text(giver_name, field="giver_name", model=Participation)
    note = _text(note, field="note", model=Participation)
    if decision == ParticipationDecision.WITHDRAWN:
        raise field_error(
            "decision", "Use the withdraw action to withdraw agreement to take part", "invalid"
        )
    if decision not in RECORDABLE:
        raise field_error("decision", "Say whether they agreed or declined", "invalid_choice")
    if method and method not in ConsentMethod.values:
        raise field_error("method", "Unknown way of agreeing", "invalid_choice")
    check_giver(referral, given_by=given_by, decided_on=decided_on, giver_name=giver_name)
    if decision == ParticipationDecision.AGREED and not method:
        raise field_error("method", "Say how they agreed to take part", "required")
    participation = Participation.objects.filter(referral=referral, given_by=given_by).first()
    participation = participation or Participation(referral=referral, given_by=given_by)
    participation.decision = decision
    participation.decided_on = decided_on
    participation.method = method
    participation.giver_name = giver_name
    participation.note = note
    participation.recorded_by = actor
    reason = (
        "Agreed to take part"
        if decision == ParticipationDecision.AGREED
        else "Declined to take part"
    )
    with_history(participation, actor=actor, reason=reason).save()
    refresh_permitted_purposes(referral, actor=actor, cause=LossCause.PARTICIPATION_DECLINED)
    return participation


@transaction.atomic
def participation_withdraw(
    *, actor: User, referral: Referral, given_by: str, reason: str
) -> Participation:
    """Agreement withdrawn takes effect at once: whatever delivery rested on it ends in
    this transaction."""
    referral = _lock(referral)
    require(actor, "participation.record", referral)
    reason = _text(reason, field="reason", model=Participation, stored_as="note")
    if not reason:
        raise field_error("reason", "Say how the withdrawal was made known", "required")
    participation = (
        Participation.objects.select_for_update()
        .filter(referral=referral, given_by=given_by)
        .first()
    )
    if participation is None:
        raise field_error(
            "given_by", "No agreement to take part is recorded from them", "not_given"
        )
    participation.referral = referral
    require(actor, "participation.withdraw", participation)
    if participation.decision not in PARTICIPATION_OPEN_IN["participation.withdraw"]:
        raise field_error(
            "given_by", "Only an agreement to take part can be withdrawn", "not_given"
        )
    participation.decision = ParticipationDecision.WITHDRAWN
    participation.decided_on = timezone.localdate()
    participation.recorded_by = actor
    participation.note = reason
    with_history(participation, actor=actor, reason="Agreement to take part withdrawn").save()
    notification_consent_withdrawn(referral=referral, actor=actor)
    refresh_permitted_purposes(referral, actor=actor, cause=LossCause.PARTICIPATION_WITHDRAWN)
    return participation


def reconcile_delivery(**kwargs) -> int:
    """Recompute, as the system, referrals whose stored position permits intervention
    delivery without any agreement to take part: after migration 0007 a lawful basis no
    longer stands in for agreement, and the loss must reach allocations, the provider's
    view and the ledger through the services. Run after every migrate; usually finds none."""
    stale = Referral.objects.filter(
        permitted_purposes__contains=[Purpose.INTERVENTION_DELIVERY]
    ).exclude(participations__decision=ParticipationDecision.AGREED)
    count = 0
    for referral in stale.select_related("person"):
        with transaction.atomic():
            refresh_permitted_purposes(
                _lock(referral), actor=SYSTEM, cause=LossCause.NOT_A_STAND_IN
            )
        count += 1
    return count
