"""Consent and the lawful basis for going on without it.

The rules, in one place:
- 18 and over decide for themselves; 16 and 17 may decide for themselves (their own
  decision counts first, a parent's or guardian's otherwise); under 16 a parent or guardian
  decides, unless a Gillick competence assessment found the child competent, in which case
  the child's own decision stands, over a parent's refusal too.
- Without consent a purpose may go ahead only on an approved lawful basis, which names the
  rule of the disclosure rule table (``sharing.rules``) it relies on; each disclosure on it
  is checked against that rule for whoever discloses and whoever receives.
- Consent is the person's (or parent's) agreement to sharing for assessment, panel
  discussion and information sharing: their wishes, and a lawful basis only where nothing
  else applies. Taking part in an intervention is agreed apart from it
  (``Participation``, ``referrals.participation``), and a lawful basis never stands in for
  that agreement: intervention delivery is permitted only while the right giver agrees.
- A change takes effect at once: ``Referral.permitted_purposes`` is recomputed in the same
  transaction, and every list, agenda and share filters on it.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.actors import SystemActor
from core.errors import ConflictError, field_error
from core.history import with_history
from core.text import bounded_text, model_max_length
from notifications.services import notification_consent_withdrawn
from partners.models import User
from referrals.models import (
    Consent,
    ConsentDecision,
    ConsentGiver,
    GillickAssessment,
    LawfulBasis,
    LawfulBasisStatus,
    ParticipationDecision,
    Purpose,
    Referral,
)
from referrals.pathways import age_on
from referrals.permissions import (
    BASIS_OPEN_IN,
    CONSENT_OPEN_IN,
    GILLICK_AGE,
    gillick_applies,
    require,
)
from referrals.signals import permitted_purposes_changed
from sharing.rules import RULES_BY_ID

ADULT_AGE = 18
MIN_JUSTIFICATION_LENGTH = 20


@dataclass(frozen=True)
class PurposePosition:
    purpose: str
    permitted: bool
    via: str  # "consent", "lawful_basis" or ""
    explanation: str

    @property
    def label(self) -> str:
        return Purpose(self.purpose).label


def _counts(own) -> bool:
    return own is not None and own.decision != ConsentDecision.NOT_SOUGHT


def _effective_decision(*, age: int, gillick_competent: bool, own, parent) -> tuple:
    """Whose decision counts, of a person's own and a parent's or guardian's (consent or
    agreement to take part alike), and the rule that said so."""
    if age >= ADULT_AGE:
        return own, "an adult decides for themselves"
    if age >= GILLICK_AGE:
        if _counts(own):
            return own, "16 and 17 may decide for themselves"
        return parent, "the parent's or guardian's decision, as the young person's is not recorded"
    if gillick_competent and _counts(own):
        return own, "a Gillick-competent child's own decision stands"
    return parent, "under 16, a parent or guardian decides"


def consent_position(
    referral: Referral, *, on: datetime.date | None = None
) -> dict[str, PurposePosition]:
    age, gillick_competent = _who_decides_facts(referral, on)
    consents = {(c.purpose, c.given_by): c for c in referral.consents.all()}
    approved = set(
        referral.lawful_bases.filter(status=LawfulBasisStatus.APPROVED).values_list(
            "purpose", flat=True
        )
    )
    positions = {}
    for purpose in Purpose.values:
        if purpose == Purpose.INTERVENTION_DELIVERY:
            positions[purpose] = _delivery_position(referral, age, gillick_competent)
            continue
        decision, rule = _effective_decision(
            age=age,
            gillick_competent=gillick_competent,
            own=consents.get((purpose, ConsentGiver.PERSON)),
            parent=consents.get((purpose, ConsentGiver.PARENT_OR_GUARDIAN)),
        )
        if decision is not None and decision.decision == ConsentDecision.GIVEN:
            positions[purpose] = PurposePosition(
                purpose, True, "consent", f"Consent given ({rule})."
            )
        elif purpose in approved:
            positions[purpose] = PurposePosition(
                purpose, True, "lawful_basis", "An approved lawful basis covers this purpose."
            )
        else:
            state = decision.get_decision_display().lower() if decision else "not recorded"
            positions[purpose] = PurposePosition(
                purpose, False, "", f"Consent {state} ({rule}) and no approved lawful basis."
            )
    return positions


def _who_decides_facts(referral: Referral, on: datetime.date | None) -> tuple[int, bool]:
    """The person's age on ``on`` (today if None) and whether their latest Gillick competence
    assessment found them competent: what ``_effective_decision`` asks."""
    age = age_on(referral.person.date_of_birth, on or timezone.localdate())
    latest_gillick = referral.gillick_assessments.order_by("-recorded_at", "-pk").first()
    return age, bool(latest_gillick and latest_gillick.competent)


def delivery_position(referral: Referral, *, on: datetime.date | None = None) -> PurposePosition:
    """Whether intervention delivery may go ahead, as ``consent_position`` says for it, read
    without the consents and lawful bases that only the other purposes need."""
    return _delivery_position(referral, *_who_decides_facts(referral, on))


def _delivery_position(referral: Referral, age: int, gillick_competent: bool) -> PurposePosition:
    """Delivery goes ahead only on the agreement of whoever decides (the same rules as for
    consent): taking part is voluntary, so no lawful basis stands in for agreement."""
    agreements = {p.given_by: p for p in referral.participations.all()}
    decision, rule = _effective_decision(
        age=age,
        gillick_competent=gillick_competent,
        own=agreements.get(ConsentGiver.PERSON),
        parent=agreements.get(ConsentGiver.PARENT_OR_GUARDIAN),
    )
    purpose = Purpose.INTERVENTION_DELIVERY
    if decision is not None and decision.decision == ParticipationDecision.AGREED:
        return PurposePosition(purpose, True, "participation", f"Agreed to take part ({rule}).")
    state = decision.get_decision_display().lower() if decision else "agreement not recorded"
    return PurposePosition(
        purpose,
        False,
        "",
        f"Taking part: {state} ({rule}). Taking part is voluntary: no lawful basis stands in "
        "for agreement.",
    )


class LossCause:
    """What made a referral lose a purpose, in words for whoever must act on it: each names
    the change and the purpose, as ``{purpose}`` (a label such as "Panel discussion")."""

    CONSENT_WITHDRAWN = "{purpose} consent withdrawn"
    CONSENT_REFUSED = "{purpose} consent refused"
    CONSENT_NOT_SOUGHT = "{purpose} consent recorded as not sought"
    GILLICK_ASSESSED = "{purpose}: who decides changed by a Gillick competence assessment"
    LAWFUL_BASIS_REVOKED = "Lawful basis for {purpose} revoked"
    # Only intervention delivery rests on agreement to take part.
    PARTICIPATION_WITHDRAWN = "Agreement to take part withdrawn"
    PARTICIPATION_DECLINED = "Declined to take part"
    NOT_A_STAND_IN = "A lawful basis no longer stands in for agreement to take part"
    NO_LONGER_HOLDS = "{purpose} no longer covered by consent or a lawful basis"


def refresh_permitted_purposes(
    referral: Referral, *, actor: User | SystemActor, cause: str = LossCause.NO_LONGER_HOLDS
) -> list[str]:
    """Recompute what the referral's consent and lawful bases permit, and tell whoever
    depends on it (case shares, agendas, the screening queue) about purposes it lost, as
    ``actor``: the user whose change caused it, or ``SYSTEM`` for a check that changes nothing
    itself; ``cause`` (a ``LossCause``) says what was lost, for the reasons they record."""
    permitted = sorted(p for p, pos in consent_position(referral).items() if pos.permitted)
    # A plain UPDATE: the change that caused this is already in its own history.
    Referral.objects.filter(pk=referral.pk).update(permitted_purposes=permitted)
    lost = set(referral.permitted_purposes or []) - set(permitted)
    referral.permitted_purposes = permitted
    if lost:
        permitted_purposes_changed.send(
            sender=Referral, referral=referral, actor=actor, lost=sorted(lost), cause=cause
        )
    return permitted


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update()
        .select_related("person", "organisation")
        .get(pk=referral.pk)
    )


def _check_date(value: datetime.date, *, field: str) -> None:
    if value > timezone.localdate():
        raise field_error(field, "Cannot be in the future", "future_date")


def _text(value, *, field: str, model, stored_as: str | None = None) -> str:
    """Free text within the length the model stores (every caller, not only the API)."""
    return bounded_text(
        value,
        field=field,
        max_length=model_max_length(model, stored_as or field),
        keep_lines=True,
    )


def check_giver(
    referral: Referral, *, given_by: str, decided_on: datetime.date, giver_name: str
) -> None:
    """Whether ``given_by`` may decide for the person on ``decided_on``: an adult decides for
    themselves; under 16 the child decides only once a Gillick competence assessment finds
    them competent. Consent and agreement to take part follow the same rule."""
    if given_by not in ConsentGiver.values:
        raise field_error("given_by", "Say who decided", "invalid_choice")
    _check_date(decided_on, field="decided_on")
    age = age_on(referral.person.date_of_birth, decided_on)
    if given_by == ConsentGiver.PARENT_OR_GUARDIAN and age >= ADULT_AGE:
        raise field_error(
            "given_by", f"Aged {age}: an adult decides for themselves", "adult_consents_for_self"
        )
    if given_by == ConsentGiver.PARENT_OR_GUARDIAN and not giver_name:
        raise field_error("giver_name", "Name the parent or guardian", "required")
    if given_by == ConsentGiver.PERSON and gillick_applies(referral.person, decided_on):
        latest = referral.gillick_assessments.order_by("-recorded_at", "-pk").first()
        if not (latest and latest.competent):
            raise field_error(
                "given_by",
                f"Aged {age}: a child under 16 decides only after a Gillick competence "
                "assessment finds them competent; record that first, or the parent's or "
                "guardian's decision",
                "gillick_assessment_required",
            )


@transaction.atomic
def consent_record(
    *,
    actor: User,
    referral: Referral,
    purposes: list[str],
    given_by: str,
    decision: str,
    decided_on: datetime.date,
    method: str = "",
    giver_name: str = "",
    note: str = "",
) -> list[Consent]:
    referral = _lock(referral)
    require(actor, "referral.record_consent", referral)
    giver_name = _text(giver_name, field="giver_name", model=Consent)
    note = _text(note, field="note", model=Consent)
    if decision == ConsentDecision.WITHDRAWN:
        raise field_error("decision", "Use the withdraw action to withdraw consent", "invalid")
    if not purposes:
        raise field_error("purposes", "Choose at least one purpose", "required")
    if Purpose.INTERVENTION_DELIVERY in purposes:
        raise field_error(
            "purposes",
            "Taking part in an intervention is not a matter of consent to sharing: record "
            "the person's agreement to take part instead",
            "record_agreement_to_take_part",
        )
    check_giver(referral, given_by=given_by, decided_on=decided_on, giver_name=giver_name)
    if decision == ConsentDecision.GIVEN and not method:
        raise field_error("method", "Say how consent was given", "required")
    recorded = []
    for purpose in dict.fromkeys(purposes):
        consent = Consent.objects.filter(
            referral=referral, purpose=purpose, given_by=given_by
        ).first()
        consent = consent or Consent(referral=referral, purpose=purpose, given_by=given_by)
        consent.decision = decision
        consent.decided_on = decided_on
        consent.method = method
        consent.giver_name = giver_name
        consent.note = note
        consent.recorded_by = actor
        with_history(consent, actor=actor, reason=f"Consent {decision}").save()
        recorded.append(consent)
    cause = {
        ConsentDecision.REFUSED: LossCause.CONSENT_REFUSED,
        ConsentDecision.NOT_SOUGHT: LossCause.CONSENT_NOT_SOUGHT,
    }.get(decision, LossCause.NO_LONGER_HOLDS)
    refresh_permitted_purposes(referral, actor=actor, cause=cause)
    return recorded


@transaction.atomic
def consent_withdraw(
    *, actor: User, referral: Referral, purposes: list[str], given_by: str, reason: str
) -> list[Consent]:
    referral = _lock(referral)
    require(actor, "referral.record_consent", referral)
    reason = _text(reason, field="reason", model=Consent, stored_as="note")
    if not reason:
        raise field_error("reason", "Say how the withdrawal was made known", "required")
    if Purpose.INTERVENTION_DELIVERY in purposes:
        raise field_error(
            "purposes",
            "Taking part in an intervention is not a matter of consent to sharing: withdraw "
            "the person's agreement to take part instead",
            "withdraw_agreement_to_take_part",
        )
    consents = list(
        Consent.objects.select_for_update().filter(
            referral=referral, purpose__in=purposes, given_by=given_by
        )
    )
    for consent in consents:
        consent.referral = referral
        require(actor, "consent.withdraw", consent)
    given = [c for c in consents if c.decision in CONSENT_OPEN_IN["consent.withdraw"]]
    if len(given) != len(set(purposes)):
        raise field_error("purposes", "Only consent that was given can be withdrawn", "not_given")
    for consent in given:
        consent.decision = ConsentDecision.WITHDRAWN
        consent.decided_on = timezone.localdate()
        consent.recorded_by = actor
        consent.note = reason
        with_history(consent, actor=actor, reason="Consent withdrawn").save()
    notification_consent_withdrawn(referral=referral, actor=actor)
    refresh_permitted_purposes(referral, actor=actor, cause=LossCause.CONSENT_WITHDRAWN)
    return given


@transaction.atomic
def gillick_record(
    *,
    actor: User,
    referral: Referral,
    competent: bool,
    assessed_on: datetime.date,
    rationale: str,
) -> GillickAssessment:
    referral = _lock(referral)
    require(actor, "referral.record_consent", referral)
    _check_date(assessed_on, field="assessed_on")
    if not gillick_applies(referral.person, assessed_on):
        age = age_on(referral.person.date_of_birth, assessed_on)
        raise field_error(
            "assessed_on", f"Aged {age}: Gillick competence applies to under-16s", "not_under_16"
        )
    rationale = _text(rationale, field="rationale", model=GillickAssessment)
    if len(rationale) < MIN_JUSTIFICATION_LENGTH:
        raise field_error(
            "rationale",
            f"Explain the assessment in at least {MIN_JUSTIFICATION_LENGTH} characters",
            "too_short",
        )
    assessment = GillickAssessment(
        referral=referral,
        competent=competent,
        assessed_by=actor,
        assessed_on=assessed_on,
        rationale=rationale,
    )
    with_history(assessment, actor=actor, reason="Gillick competence assessed").save()
    refresh_permitted_purposes(referral, actor=actor, cause=LossCause.GILLICK_ASSESSED)
    return assessment


@transaction.atomic
def lawful_basis_record(
    *, actor: User, referral: Referral, purpose: str, ground: str, justification: str
) -> LawfulBasis:
    referral = _lock(referral)
    require(actor, "referral.record_consent", referral)
    if purpose not in Purpose.values:
        raise field_error("purpose", "Unknown purpose", "invalid_choice")
    if purpose == Purpose.INTERVENTION_DELIVERY:
        # Taking part is voluntary: a basis may let information be shared, never make
        # someone take part (HM Government information sharing advice, 2024).
        raise field_error(
            "purpose",
            "Taking part in an intervention is voluntary: no lawful basis can stand in for "
            "the person's agreement to take part; record their agreement instead",
            "agreement_to_take_part_required",
        )
    if ground not in RULES_BY_ID:
        raise field_error("ground", "Unknown sharing rule", "invalid_choice")
    # Whether the rule covers a disclosure depends on who discloses and who receives, so it
    # is checked at each disclosure (``sharing.services.disclosure_permit``), not once here
    # against the referring organisation.
    justification = _text(justification, field="justification", model=LawfulBasis)
    if len(justification) < MIN_JUSTIFICATION_LENGTH:
        raise field_error(
            "justification",
            f"Justify proceeding without consent in at least {MIN_JUSTIFICATION_LENGTH} characters",
            "too_short",
        )
    basis = LawfulBasis(
        referral=referral,
        purpose=purpose,
        ground=ground,
        justification=justification,
        recorded_by=actor,
    )
    with_history(basis, actor=actor, reason="Lawful basis recorded, awaiting approval").save()
    return basis


@transaction.atomic
def lawful_basis_decide(
    *, actor: User, lawful_basis: LawfulBasis, approve: bool, note: str = ""
) -> LawfulBasis:
    basis = (
        LawfulBasis.objects.select_for_update().select_related("referral").get(pk=lawful_basis.pk)
    )
    referral = _lock(basis.referral)
    basis.referral = referral
    require(actor, "lawful_basis.decide", basis)
    if basis.status not in BASIS_OPEN_IN["lawful_basis.decide"]:
        raise ConflictError(f"This lawful basis was already {basis.get_status_display().lower()}")
    note = _text(note, field="note", model=LawfulBasis, stored_as="decision_note")
    if not approve and not note:
        raise field_error("note", "Say why the lawful basis is rejected", "required")
    basis.status = LawfulBasisStatus.APPROVED if approve else LawfulBasisStatus.REJECTED
    basis.decided_by = actor
    basis.decided_at = timezone.now()
    basis.decision_note = note
    with_history(basis, actor=actor, reason=f"Lawful basis {basis.status}").save()
    refresh_permitted_purposes(referral, actor=actor)
    return basis


@transaction.atomic
def lawful_basis_revoke(*, actor: User, lawful_basis: LawfulBasis, reason: str) -> LawfulBasis:
    basis = (
        LawfulBasis.objects.select_for_update().select_related("referral").get(pk=lawful_basis.pk)
    )
    referral = _lock(basis.referral)
    basis.referral = referral
    require(actor, "lawful_basis.revoke", basis)
    if basis.status not in BASIS_OPEN_IN["lawful_basis.revoke"]:
        raise ConflictError("Only an approved lawful basis can be revoked")
    reason = _text(reason, field="reason", model=LawfulBasis, stored_as="decision_note")
    if not reason:
        raise field_error("reason", "Say why the lawful basis no longer holds", "required")
    basis.status = LawfulBasisStatus.REVOKED
    basis.decision_note = reason
    with_history(basis, actor=actor, reason="Lawful basis revoked").save()
    notification_consent_withdrawn(referral=referral, actor=actor)
    refresh_permitted_purposes(referral, actor=actor, cause=LossCause.LAWFUL_BASIS_REVOKED)
    return basis
