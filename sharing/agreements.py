"""Information sharing agreements: whether one covers a disclosure, and IG's services that
record, change, review and end them, add their signatories, and approve a disclosure that
no agreement covers.

``disclosure_coverage`` is the question every disclosure asks (DESIGN.md: agreements are
"checked on every disclosure"); it reads and never writes, so the one disclosure check
(``sharing.services.disclosure_permit``) may ask it anywhere. A disclosure is covered when:

- an agreement of the discloser and an agreement of the recipient are each in force on the
  day, and each names the purpose and every category disclosed. One agreement of a party
  must cover it all: a purpose from one agreement and a category from another is not what
  either party signed up to; or else
- an information governance officer approved this disclosure (these two organisations,
  this person, this purpose, at least these categories) and the approval runs to the day.

The services take keyword arguments only, ask ``sharing.permissions.require``, run in one
transaction, and leave each change in the record's history (and so in the audit chain).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import EventKind
from audit.recorder import build_event
from core.errors import ConflictError, field_error, require_version
from core.history import with_history
from core.text import bounded_text, model_max_length
from notifications.services import notification_agreement_review
from partners.models import Organisation
from sharing.models import (
    InformationSharingAgreement,
    OutsideAgreementApproval,
    Signatory,
)
from sharing.permissions import require
from sharing.vocabulary import DataCategory, Purpose, in_words

# An approval outside an agreement is for one disclosure, made soon; anything longer is
# what an agreement is for.
APPROVAL_LONGEST = datetime.timedelta(days=90)


@dataclass(frozen=True)
class Coverage:
    """What covers a disclosure: the agreements of both parties, or an IG approval; or, when
    nothing does, ``reason`` in plain words."""

    covered: bool
    agreements: tuple[InformationSharingAgreement, ...] = ()
    approval: OutsideAgreementApproval | None = None
    reason: str = ""

    def __bool__(self) -> bool:
        return self.covered

    @property
    def basis(self) -> str:
        """How the ledger names what covered it: "ISA-001, ISA-002" or "IG approval 12"."""
        if self.approval is not None:
            return f"IG approval {self.approval.pk}"
        return ", ".join(agreement.reference for agreement in self.agreements)


def _party_gap(
    organisation: Organisation,
    agreements: list[InformationSharingAgreement],
    purpose: str,
    categories: frozenset[str],
    on: datetime.date,
) -> tuple[InformationSharingAgreement | None, str]:
    """The party's agreement covering the disclosure, or why none does."""
    for agreement in agreements:
        if agreement.covers(purpose, categories):
            return agreement, ""
    if not agreements:
        return None, (
            f"{organisation} has no information sharing agreement in force on {on:%-d %B %Y}"
        )
    with_purpose = [a for a in agreements if purpose in a.purposes]
    if not with_purpose:
        return None, (
            f"No agreement of {organisation} in force covers the purpose "
            f"“{Purpose(purpose).label.lower()}”"
        )
    # The agreement nearest to covering it names the fewest categories missing.
    missing = min((categories - set(a.data_categories) for a in with_purpose), key=len)
    return None, (
        f"No agreement of {organisation} in force covers "
        f"{in_words(DataCategory, missing)} data for {Purpose(purpose).label.lower()}"
    )


def disclosure_coverage(
    *,
    discloser: Organisation,
    recipient: Organisation,
    purpose: str,
    data_categories: Iterable[str],
    person_id=None,
    on: datetime.date | None = None,
    in_force: list[InformationSharingAgreement] | None = None,
) -> Coverage:
    """Whether a disclosure from ``discloser`` to ``recipient`` is covered on ``on`` (today
    unless given). Two queries at most: the parties' agreements, then an approval; none for
    the agreements when ``in_force`` (``agreements_in_force(on)``) is given, as a page that
    checks a disclosure per item does."""
    if purpose not in Purpose.values:
        raise ValueError(f"Unknown purpose {purpose!r}")
    categories = frozenset(data_categories)
    if not categories or not categories <= set(DataCategory.values):
        raise ValueError(f"Name the data categories disclosed, from DataCategory: {categories}")
    on = on or timezone.localdate()
    if in_force is None:
        in_force = list(
            InformationSharingAgreement.objects.in_force(on)
            .filter(organisation__in=[discloser.pk, recipient.pk])
            .order_by("starts_on", "pk")
        )
    used, gaps = [], []
    for party in dict.fromkeys([discloser, recipient]):
        agreement, gap = _party_gap(
            party, [a for a in in_force if a.organisation_id == party.pk], purpose, categories, on
        )
        if agreement is not None:
            used.append(agreement)
        else:
            gaps.append(gap)
    if not gaps:
        return Coverage(covered=True, agreements=tuple(used))
    if person_id is not None:
        approval = (
            OutsideAgreementApproval.objects.filter(
                discloser=discloser,
                recipient=recipient,
                person_id=person_id,
                purpose=purpose,
                data_categories__contains=sorted(categories),
                approved_at__date__lte=on,
                valid_until__gte=on,
            )
            .order_by("-valid_until", "-pk")
            .first()
        )
        if approval is not None:
            return Coverage(covered=True, approval=approval)
    return Coverage(
        covered=False,
        reason="; ".join(gaps) + ", and no IG approval outside an agreement covers it",
    )


# --- Selectors -----------------------------------------------------------------------------


def agreements_in_force(on: datetime.date | None = None) -> list[InformationSharingAgreement]:
    """Every agreement in force on ``on`` (today unless given), oldest first: one query for a
    page that checks many disclosures (``disclosure_coverage(in_force=...)``)."""
    return list(
        InformationSharingAgreement.objects.in_force(on or timezone.localdate()).order_by(
            "starts_on", "pk"
        )
    )


def agreements_for_list():
    return InformationSharingAgreement.objects.select_related("organisation").order_by(
        "organisation__name", "-starts_on", "pk"
    )


def agreements_due_for_review(on: datetime.date | None = None):
    return agreements_for_list().due_for_review(on or timezone.localdate()).order_by("review_on")


def agreement_detail(pk):
    return (
        InformationSharingAgreement.objects.select_related("organisation", "last_reviewed_by")
        .prefetch_related("signatories__organisation")
        .filter(pk=pk)
        .first()
    )


def approvals_for_list():
    return OutsideAgreementApproval.objects.select_related(
        "discloser", "recipient", "approved_by"
    ).order_by("-approved_at", "-pk")


# --- Services ------------------------------------------------------------------------------

AGREEMENT_FIELDS = (
    "organisation",
    "reference",
    "title",
    "purposes",
    "data_categories",
    "starts_on",
    "review_on",
    "ends_on",
)


def _codes(value, choices, field: str) -> list[str]:
    codes = list(dict.fromkeys(value or ()))
    unknown = [code for code in codes if code not in choices.values]
    if not codes or unknown:
        raise field_error(
            field, "Choose one or more of: " + ", ".join(choices.values), "invalid_choice"
        )
    return [code for code in choices.values if code in codes]


def _validate_agreement(agreement: InformationSharingAgreement) -> None:
    organisation = agreement.organisation if agreement.organisation_id else None
    if organisation is None or not organisation.active:
        raise field_error("organisation", "Choose an active partner organisation", "invalid")
    agreement.reference = bounded_text(
        agreement.reference, field="reference", max_length=50, required=True
    )
    agreement.title = bounded_text(agreement.title, field="title", max_length=200, required=True)
    agreement.purposes = _codes(agreement.purposes, Purpose, "purposes")
    agreement.data_categories = _codes(agreement.data_categories, DataCategory, "data_categories")
    for name in ("starts_on", "review_on"):
        if not isinstance(getattr(agreement, name), datetime.date):
            raise field_error(name, "Enter a date", "required")
    if agreement.review_on <= agreement.starts_on:
        raise field_error("review_on", "The review date must be after the start date", "invalid")
    if agreement.ends_on is not None and agreement.ends_on < agreement.starts_on:
        raise field_error("ends_on", "The end date must be on or after the start date", "invalid")
    clash = InformationSharingAgreement.objects.filter(reference__iexact=agreement.reference)
    if clash.exclude(pk=agreement.pk).exists():
        raise field_error("reference", "Another agreement already has this reference", "unique")


def _save(agreement, *, actor, reason: str) -> None:
    try:
        with transaction.atomic():
            with_history(agreement, actor=actor, reason=reason).save()
    except IntegrityError as exc:  # two records racing for one reference
        raise field_error(
            "reference", "Another agreement already has this reference", "unique"
        ) from exc


@transaction.atomic
def agreement_create(
    *,
    actor,
    organisation: Organisation,
    reference: str,
    title: str,
    purposes,
    data_categories,
    starts_on: datetime.date,
    review_on: datetime.date,
    ends_on: datetime.date | None = None,
) -> InformationSharingAgreement:
    require(actor, "agreement.manage")
    agreement = InformationSharingAgreement(
        organisation=organisation,
        reference=reference,
        title=title,
        purposes=purposes,
        data_categories=data_categories,
        starts_on=starts_on,
        review_on=review_on,
        ends_on=ends_on,
    )
    _validate_agreement(agreement)
    _save(agreement, actor=actor, reason="Agreement recorded")
    return agreement


def _locked(agreement, expected_version) -> InformationSharingAgreement:
    agreement = InformationSharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    require_version(agreement, expected_version)
    return agreement


@transaction.atomic
def agreement_update(
    *, actor, agreement: InformationSharingAgreement, expected_version, **changes
) -> InformationSharingAgreement:
    """Correct or amend an agreement's terms (a new version of the same agreement)."""
    require(actor, "agreement.manage", agreement)
    agreement = _locked(agreement, expected_version)
    for name in changes:
        if name not in AGREEMENT_FIELDS:
            raise field_error(name, "Unknown field", "unknown")
    ends_on = changes.get("ends_on", agreement.ends_on)
    if ends_on != agreement.ends_on and ends_on is not None and ends_on < timezone.localdate():
        # Moving the end into the past would uncover disclosures already made under it.
        raise field_error("ends_on", "The end date cannot be moved into the past", "invalid")
    for name, value in changes.items():
        setattr(agreement, name, value)
    _validate_agreement(agreement)
    agreement.version += 1
    _save(agreement, actor=actor, reason="Agreement changed")
    return agreement


@transaction.atomic
def agreement_review(
    *,
    actor,
    agreement: InformationSharingAgreement,
    expected_version,
    next_review_on: datetime.date,
    note: str = "",
) -> InformationSharingAgreement:
    """Record that IG reviewed the agreement today, with what they found, and when next."""
    require(actor, "agreement.manage", agreement)
    agreement = _locked(agreement, expected_version)
    today = timezone.localdate()
    if agreement.ends_on is not None and agreement.ends_on < today:
        raise ConflictError("This agreement has ended: record a new one instead")
    if not isinstance(next_review_on, datetime.date):
        raise field_error("next_review_on", "Enter the next review date", "required")
    if next_review_on <= max(today, agreement.starts_on):
        raise field_error(
            "next_review_on",
            "The next review date must be in the future and after the start date",
            "invalid",
        )
    agreement.review_note = bounded_text(
        note,
        field="note",
        max_length=model_max_length(InformationSharingAgreement, "review_note"),
        keep_lines=True,
    )
    agreement.review_on = next_review_on
    agreement.last_reviewed_on = today
    agreement.last_reviewed_by = actor
    agreement.version += 1
    with_history(agreement, actor=actor, reason="Agreement reviewed").save()
    return agreement


@transaction.atomic
def agreement_end(
    *,
    actor,
    agreement: InformationSharingAgreement,
    expected_version,
    ends_on: datetime.date,
    reason: str,
) -> InformationSharingAgreement:
    """End the agreement after ``ends_on`` (its last day). Never before today: disclosures
    already made under it stay covered as they were."""
    require(actor, "agreement.manage", agreement)
    agreement = _locked(agreement, expected_version)
    today = timezone.localdate()
    if agreement.ends_on is not None and agreement.ends_on < today:
        raise ConflictError("This agreement has already ended")
    if not isinstance(ends_on, datetime.date):
        raise field_error("ends_on", "Enter the last day of the agreement", "required")
    if ends_on < today:
        raise field_error("ends_on", "The last day cannot be in the past", "invalid")
    if ends_on < agreement.starts_on:
        raise field_error("ends_on", "The last day must be on or after the start date", "invalid")
    agreement.end_reason = bounded_text(
        reason,
        field="reason",
        max_length=model_max_length(InformationSharingAgreement, "end_reason"),
        required=True,
        keep_lines=True,
    )
    agreement.ends_on = ends_on
    agreement.version += 1
    with_history(agreement, actor=actor, reason="Agreement ended").save()
    return agreement


@transaction.atomic
def signatory_add(
    *,
    actor,
    agreement: InformationSharingAgreement,
    name: str,
    role: str,
    organisation: Organisation,
    signed_on: datetime.date,
) -> Signatory:
    require(actor, "agreement.manage", agreement)
    name = bounded_text(name, field="name", max_length=200, required=True)
    role = bounded_text(role, field="role", max_length=200, required=True)
    if not isinstance(organisation, Organisation):
        raise field_error("organisation", "Choose the organisation they signed for", "required")
    if not isinstance(signed_on, datetime.date):
        raise field_error("signed_on", "Enter the date they signed", "required")
    if signed_on > timezone.localdate():
        raise field_error("signed_on", "The date signed cannot be in the future", "invalid")
    signatory = Signatory(
        agreement=agreement, name=name, role=role, organisation=organisation, signed_on=signed_on
    )
    with_history(signatory, actor=actor, reason="Signatory added").save()
    return signatory


@transaction.atomic
def outside_agreement_approve(
    *,
    actor,
    discloser: Organisation,
    recipient: Organisation,
    person,
    purpose: str,
    data_categories,
    reason: str,
    valid_until: datetime.date,
) -> OutsideAgreementApproval:
    """An IG officer approves one disclosure that no agreement covers, saying why."""
    require(actor, "approval.record", person)
    for field, organisation in (("discloser", discloser), ("recipient", recipient)):
        if not isinstance(organisation, Organisation) or not organisation.active:
            raise field_error(field, "Choose an active partner organisation", "invalid")
    if discloser.pk == recipient.pk:
        raise field_error("recipient", "Choose an organisation other than the discloser", "invalid")
    if purpose not in Purpose.values:
        raise field_error(
            "purpose", "Choose one of: " + ", ".join(Purpose.values), "invalid_choice"
        )
    categories = _codes(data_categories, DataCategory, "data_categories")
    reason = bounded_text(
        reason,
        field="reason",
        max_length=model_max_length(OutsideAgreementApproval, "reason"),
        required=True,
        keep_lines=True,
    )
    today = timezone.localdate()
    if not isinstance(valid_until, datetime.date):
        raise field_error("valid_until", "Enter the last day the approval runs to", "required")
    if valid_until < today:
        raise field_error("valid_until", "The approval cannot end in the past", "invalid")
    if valid_until > today + APPROVAL_LONGEST:
        raise field_error(
            "valid_until",
            f"An approval runs for {APPROVAL_LONGEST.days} days at most: for longer, record "
            "an agreement",
            "invalid",
        )
    approval = OutsideAgreementApproval(
        discloser=discloser,
        recipient=recipient,
        person=person,
        purpose=purpose,
        data_categories=categories,
        reason=reason,
        approved_by=actor,
        valid_until=valid_until,
    )
    with_history(approval, actor=actor, reason="Disclosure approved outside an agreement").save()
    # In the chain at once, with the change: IG's decision about this person. The reason
    # stays on the record, never in the chain, which outlives erasure.
    build_event(
        kind=EventKind.GOVERNANCE,
        user=actor,
        action="outside_agreement_approve",
        object_type="outside_agreement_approval",
        object_id=approval.pk,
        person_id=person.pk,
        purpose=purpose,
        recipient_organisation=recipient,
        data_categories=",".join(categories),
    ).save()
    return approval


@transaction.atomic
def agreement_review_reminders_send(*, today: datetime.date | None = None) -> int:
    """Tell IG officers of each agreement due for review (past its review date or within
    ``REVIEW_DUE_WITHIN`` of it), once per agreement and review date. Returns how many
    notifications were sent: none the second time the same day."""
    return sum(
        len(notification_agreement_review(agreement=agreement))
        for agreement in agreements_due_for_review(today)
    )
