"""The intervention catalogue, allocations and their lifecycle, contacts and outcomes.

Places: an allocation holds a place while offered, accepted or active. Offering locks the
intervention's row, so two offers racing for the last place are served one after the other:
one gets the place, the other joins the waiting list. Whenever a place frees up, the
longest-waiting allocation is offered it, in the same transaction.

Each function asks ``interventions.permissions.require`` for the actor's right to the
operation and bounds the text it stores. The catalogue seeder, jobs and consent cascades
act as ``core.actors.SYSTEM``.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.recorder import record_disclosure, record_end_of_disclosure
from cases.models import Case, CaseShare, CaseStatus, PanelDecision
from cases.selectors import acting_organisation_on_case, latest_referral
from cases.services import case_share_permit, end_sharing_for, share_with_organisation
from core.errors import ConflictError, field_error, require_version
from core.history import with_history
from core.text import bounded_text, model_max_length
from interventions.models import (
    HOLDS_A_PLACE,
    Allocation,
    AllocationStatus,
    Contact,
    ContactOutcome,
    ContactType,
    Intervention,
    InterventionType,
    OutcomeKind,
    OutcomeMeasure,
    OutcomeRecord,
)
from interventions.permissions import require
from interventions.selectors import IDENTITY_DISCLOSED, provider_allocation_on_case
from notifications.services import (
    notification_allocation_offered,
    notification_allocation_withdrawn,
    notification_place_freed,
)
from partners.models import Organisation, User
from partners.roles import Role
from partners.selectors import organisation_where_holding
from referrals.disclosure import IDENTITY_ONLY, referral_disclosure_permit
from referrals.models import Purpose, Referral
from referrals.pathways import Pathway, age_on
from sharing.services import DisclosureRefused
from sharing.vocabulary import DataCategory, in_words

MISSED_IN_A_ROW = 3
MAX_CONTACT_MINUTES = 600


# --- Catalogue ---------------------------------------------------------------------------

INTERVENTION_FIELDS = (
    "name",
    "description",
    "intervention_type",
    "provider",
    "pathways",
    "min_age",
    "max_age",
    "capacity",
    "funding_stream",
    "annual_funding",
    "active",
)


def _validate_intervention(intervention: Intervention) -> None:
    errors = {}
    if intervention.intervention_type not in InterventionType.values:
        errors["intervention_type"] = ValidationError("Unknown type", code="invalid_choice")
    unknown = [p for p in intervention.pathways or [] if p not in Pathway.values]
    if not intervention.pathways or unknown:
        errors["pathways"] = ValidationError(
            "Choose one or more of: " + ", ".join(Pathway.values), code="invalid_choice"
        )
    if intervention.min_age > intervention.max_age:
        errors["max_age"] = ValidationError("Must not be below the minimum age", code="invalid")
    if errors:
        raise ValidationError(errors)
    try:
        intervention.full_clean(exclude=["provider"])
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


@transaction.atomic
def intervention_create(*, actor, **fields) -> Intervention:
    require(actor, "catalogue.manage")
    intervention = Intervention(**fields)
    _validate_intervention(intervention)
    with_history(intervention, actor=actor, reason="Added to the catalogue").save()
    return intervention


@transaction.atomic
def intervention_update(
    *, actor: User, intervention: Intervention, expected_version: int | None, **changes
) -> Intervention:
    require(actor, "catalogue.manage")
    intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    require_version(intervention, expected_version)
    for name, value in changes.items():
        if name not in INTERVENTION_FIELDS:
            raise field_error(name, "Unknown field", "unknown")
        setattr(intervention, name, value)
    _validate_intervention(intervention)
    intervention.version += 1
    with_history(intervention, actor=actor, reason="Catalogue entry changed").save()
    _offer_free_places(intervention, actor=actor)
    return intervention


def catalogue_export() -> dict:
    """The catalogue shaped after Open Referral UK: organisations and their services."""
    organisations: dict[int, dict] = {}
    for intervention in Intervention.objects.select_related("provider").order_by(
        "provider", "name"
    ):
        provider = intervention.provider
        entry = organisations.setdefault(
            provider.pk,
            {"id": provider.code, "name": provider.name, "services": []},
        )
        entry["services"].append(
            {
                "id": f"{provider.code}/{intervention.name}",
                "name": intervention.name,
                "description": intervention.description,
                "status": "active" if intervention.active else "inactive",
                "service_types": [intervention.intervention_type],
                "eligibility": {
                    "minimum_age": intervention.min_age,
                    "maximum_age": intervention.max_age,
                    "pathways": sorted(intervention.pathways),
                },
                "capacity": intervention.capacity,
                "funding": [
                    {
                        "source": intervention.funding_stream,
                        **(
                            {"annual_amount": str(intervention.annual_funding)}
                            if intervention.annual_funding is not None
                            else {}
                        ),
                    }
                ]
                if intervention.funding_stream or intervention.annual_funding is not None
                else [],
            }
        )
    return {"schema": "openreferral-uk-like/1", "organizations": list(organisations.values())}


@transaction.atomic
def catalogue_import(*, actor: User, data: dict) -> dict:
    """Create or update interventions from an export; all or nothing."""
    require(actor, "catalogue.manage")
    if not isinstance(data, dict) or not isinstance(data.get("organizations"), list):
        raise field_error("organizations", "Expected a list of organisations", "invalid")
    created = updated = 0
    for o_index, entry in enumerate(data["organizations"]):
        if not isinstance(entry, dict):
            raise field_error(f"organizations.{o_index}", "Expected an organisation", "invalid")
        provider = Organisation.objects.filter(code=str(entry.get("id", ""))).first()
        if provider is None:
            raise field_error(
                f"organizations.{o_index}.id", "No partner organisation has this code", "unknown"
            )
        services = entry.get("services") or []
        if not isinstance(services, list):
            raise field_error(
                f"organizations.{o_index}.services", "Expected a list of services", "invalid"
            )
        for s_index, service in enumerate(services):
            where = f"organizations.{o_index}.services.{s_index}"
            try:
                if not isinstance(service, dict):
                    raise TypeError("expected a service")
                eligibility = service["eligibility"]
                funding = (service.get("funding") or [{}])[0]
                fields = {
                    "description": str(service.get("description", "")),
                    "intervention_type": (service.get("service_types") or ["other"])[0],
                    "pathways": list(eligibility["pathways"]),
                    "min_age": int(eligibility["minimum_age"]),
                    "max_age": int(eligibility["maximum_age"]),
                    "capacity": int(service["capacity"]),
                    "funding_stream": funding.get("source", ""),
                    "annual_funding": _amount(funding.get("annual_amount")),
                    "active": service.get("status", "active") == "active",
                }
                name = str(service["name"])
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                raise field_error(where, f"Incomplete service: {exc}", "invalid") from exc
            existing = Intervention.objects.filter(provider=provider, name=name).first()
            try:
                if existing is None:
                    intervention_create(actor=actor, provider=provider, name=name, **fields)
                    created += 1
                else:
                    intervention_update(
                        actor=actor,
                        intervention=existing,
                        expected_version=existing.version,
                        **fields,
                    )
                    updated += 1
            except ValidationError as exc:
                raise ValidationError(
                    {f"{where}.{k}": v for k, v in exc.message_dict.items()}
                ) from exc
    return {"created": created, "updated": updated}


def _amount(value) -> Decimal | None:
    """An amount of money from an import: absent is none recorded; the range is the model's."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


# --- Allocations -------------------------------------------------------------------------


def _check_eligibility(case: Case, intervention: Intervention) -> int:
    age = age_on(case.person.date_of_birth, timezone.localdate())
    errors = []
    if not intervention.active:
        errors.append(ValidationError("This intervention is retired", code="retired"))
    if case.pathway not in intervention.pathways:
        errors.append(
            ValidationError(
                f"Not offered on the {case.get_pathway_display()} pathway", code="wrong_pathway"
            )
        )
    if not intervention.min_age <= age <= intervention.max_age:
        errors.append(
            ValidationError(
                f"Aged {age}: this intervention is for ages {intervention.min_age} to "
                f"{intervention.max_age}",
                code="outside_age_range",
            )
        )
    if errors:
        raise ValidationError({"intervention": errors})
    return age


@transaction.atomic
def allocation_create(
    *,
    actor: User,
    case: Case,
    intervention: Intervention,
    request: str,
    keyworker: User | None = None,
    decision: PanelDecision | None = None,
) -> Allocation:
    case = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    require(actor, "allocation.create", Allocation(case=case, decision=decision))
    if case.status != CaseStatus.OPEN:
        raise ConflictError("The case is closed")
    request = bounded_text(
        request,
        field="request",
        max_length=model_max_length(Allocation, "request"),
        required=True,
        keep_lines=True,
    )
    age = _check_eligibility(case, intervention)
    referral = latest_referral(case)
    if Purpose.INTERVENTION_DELIVERY not in referral.permitted_purposes:
        # Taking part is voluntary: only the agreement of whoever decides lets delivery go
        # ahead, never a lawful basis (referrals.participation).
        raise field_error(
            "consent",
            "Record the person's agreement to take part in an intervention first",
            "intervention_delivery_not_permitted",
        )
    if keyworker is not None and not organisation_where_holding(
        keyworker, {Role.PROVIDER}, organisation=intervention.provider
    ):
        raise field_error("keyworker", "The keyworker must work for the provider", "invalid")
    allocation = Allocation(
        case=case,
        intervention=intervention,
        keyworker=keyworker,
        request=request,
        age_at_allocation=age,
        proposed_by=actor,
        decision=decision,
    )
    # Not shared with the provider yet: that comes with the offer (``_follow_disclosure``).
    with_history(allocation, actor=actor, reason="Allocation proposed").save()
    return allocation


def _lock_allocation(allocation: Allocation) -> tuple[Allocation, Intervention]:
    # Always the intervention first, then the allocation: one order, no deadlocks.
    intervention = Intervention.objects.select_for_update().get(pk=allocation.intervention_id)
    allocation = (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("case__person", "intervention__provider")
        .get(pk=allocation.pk)
    )
    return allocation, intervention


def _places_taken(intervention: Intervention) -> int:
    return Allocation.objects.filter(intervention=intervention, status__in=HOLDS_A_PLACE).count()


# What the provider learns at the offer (who the person is and how to reach them), and
# stops seeing when the allocation ends; the case itself goes with the delivery share.
DISCLOSED_TO_PROVIDER = IDENTITY_ONLY


def offer_permit(allocation: Allocation, *, actor, referral: Referral):
    """The rule that permits offering ``allocation`` to its provider: the identity the offer
    discloses and, unless the provider already has it for delivery, the case shared with it.
    Raises ``DisclosureRefused`` (400, with the reason) before anything is written."""
    case = allocation.case
    provider = allocation.intervention.provider
    permit = referral_disclosure_permit(
        referral,
        discloser=acting_organisation_on_case(actor, case),
        recipient=provider,
        purpose=Purpose.INTERVENTION_DELIVERY,
        data_categories=DISCLOSED_TO_PROVIDER,
    )
    already_shared = CaseShare.objects.filter(
        case=case,
        organisation=provider,
        purpose=Purpose.INTERVENTION_DELIVERY,
        ended_at__isnull=True,
    ).exists()
    if not already_shared:
        case_share_permit(
            case, provider, Purpose.INTERVENTION_DELIVERY, actor=actor, referral=referral
        )
    return permit


def _ledger_provider_disclosure(allocation, *, was_disclosed, actor, reason) -> None:
    """A step into or out of ``IDENTITY_DISCLOSED`` changes what the provider sees
    (``interventions.selectors.sees_identity``): a disclosure to, or the end of one for, the
    provider organisation, in the ledger."""
    disclosed = allocation.status in IDENTITY_DISCLOSED
    if disclosed == was_disclosed:
        return
    case = allocation.case
    provider = allocation.intervention.provider
    where = {
        "recipient_organisation": provider,
        "person_id": case.person_id,
        "object_type": "allocation",
        "object_id": allocation.pk,
        "data_categories": in_words(DataCategory, DISCLOSED_TO_PROVIDER),
        "purpose": Purpose.INTERVENTION_DELIVERY,
    }
    referral = latest_referral(case)
    if disclosed:
        permit = offer_permit(allocation, actor=actor, referral=referral)
        record_disclosure(actor, basis=permit.basis, details=permit.details, **where)
        _share_for_delivery(case, provider, actor=actor, referral=referral)
    else:
        record_end_of_disclosure(actor, reason=reason, **where)
        still_delivering = Allocation.objects.filter(
            case=case, intervention__provider=provider, status__in=IDENTITY_DISCLOSED
        ).exists()
        if not still_delivering:
            end_sharing_for(
                case,
                provider,
                Purpose.INTERVENTION_DELIVERY,
                actor=actor,
                reason="No allocation to them is offered, accepted or active",
            )


def _share_for_delivery(case, provider, *, actor, referral) -> None:
    """The case is shared with the provider for delivery from the first offer, not at the
    proposal: before it the provider has nothing to deliver."""
    already_shared = CaseShare.objects.filter(
        case=case,
        organisation=provider,
        purpose=Purpose.INTERVENTION_DELIVERY,
        ended_at__isnull=True,
    ).exists()
    if not already_shared:
        share_with_organisation(
            case, provider, Purpose.INTERVENTION_DELIVERY, actor=actor, referral=referral
        )


def _move(allocation, status, *, actor, reason, note=""):
    was_disclosed = allocation.status in IDENTITY_DISCLOSED
    allocation.status = status
    allocation.status_changed_at = timezone.now()
    if note:
        allocation.status_reason = note
    allocation.version += 1
    with_history(allocation, actor=actor, reason=reason).save()
    _ledger_provider_disclosure(allocation, was_disclosed=was_disclosed, actor=actor, reason=reason)


def _offer_free_places(intervention: Intervention, *, actor) -> None:
    free = intervention.capacity - _places_taken(intervention)
    if free <= 0 or not intervention.active:
        return
    waiting = (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("case", "intervention__provider")
        .filter(intervention=intervention, status=AllocationStatus.WAITLISTED)
        .order_by("waitlisted_at", "pk")[:free]
    )
    for allocation in waiting:
        try:
            offer_permit(allocation, actor=actor, referral=latest_referral(allocation.case))
        except DisclosureRefused:
            # No rule lets it go to this provider now (the check says why when the lead
            # asks): it keeps its place in the queue and is tried again at the next place.
            continue
        _move(
            allocation,
            AllocationStatus.OFFERED,
            actor=actor,
            reason="Offered from the waiting list",
        )
        notification_place_freed(allocation=allocation)


# action: (from statuses, to status, reason needed); who may is "allocation.<action>".
TRANSITIONS = {
    "accept": ((AllocationStatus.OFFERED,), AllocationStatus.ACCEPTED, False),
    "decline": ((AllocationStatus.OFFERED,), AllocationStatus.DECLINED, True),
    "start": ((AllocationStatus.ACCEPTED,), AllocationStatus.ACTIVE, False),
    "complete": ((AllocationStatus.ACTIVE,), AllocationStatus.COMPLETED, False),
    "disengage": ((AllocationStatus.ACTIVE,), AllocationStatus.DISENGAGED, True),
    "withdraw": (
        (
            AllocationStatus.PROPOSED,
            AllocationStatus.WAITLISTED,
            AllocationStatus.OFFERED,
            AllocationStatus.ACCEPTED,
            AllocationStatus.ACTIVE,
        ),
        AllocationStatus.WITHDRAWN,
        True,
    ),
    "cancel": (
        (
            AllocationStatus.PROPOSED,
            AllocationStatus.WAITLISTED,
            AllocationStatus.OFFERED,
            AllocationStatus.ACCEPTED,
        ),
        AllocationStatus.CANCELLED,
        True,
    ),
}


CONTACTS_OPEN = (AllocationStatus.ACCEPTED, AllocationStatus.ACTIVE)


def allocation_step_open(allocation: Allocation, step: str) -> bool:
    """Whether the allocation's status lets ``step`` be taken now (not who may take it)."""
    if step == "offer":
        return allocation.status == AllocationStatus.PROPOSED
    return step in TRANSITIONS and allocation.status in TRANSITIONS[step][0]


def contacts_open(allocation: Allocation) -> bool:
    return allocation.status in CONTACTS_OPEN


@transaction.atomic
def allocation_offer(*, actor: User, allocation: Allocation) -> Allocation:
    allocation, intervention = _lock_allocation(allocation)
    require(actor, "allocation.offer", allocation)
    if not allocation_step_open(allocation, "offer"):
        raise ConflictError(
            f"Cannot offer an allocation that is {allocation.get_status_display().lower()}"
        )
    if Purpose.INTERVENTION_DELIVERY not in latest_referral(allocation.case).permitted_purposes:
        raise field_error(
            "consent", "Agreement to take part in an intervention no longer holds", "not_permitted"
        )
    if _places_taken(intervention) < intervention.capacity:
        offer_permit(allocation, actor=actor, referral=latest_referral(allocation.case))
        _move(allocation, AllocationStatus.OFFERED, actor=actor, reason="Offered a place")
        notification_allocation_offered(allocation=allocation, actor=actor)
    else:
        allocation.waitlisted_at = timezone.now()
        _move(allocation, AllocationStatus.WAITLISTED, actor=actor, reason="Full: waiting list")
    return allocation


@transaction.atomic
def allocation_transition(
    *, actor: User, allocation: Allocation, action: str, reason: str = "", keyworker=None
) -> Allocation:
    if action not in TRANSITIONS:
        raise field_error("action", "Unknown action", "invalid_choice")
    allowed_from, to_status, reason_needed = TRANSITIONS[action]
    allocation, intervention = _lock_allocation(allocation)
    require(actor, f"allocation.{action}", allocation)
    if allocation.status not in allowed_from:
        raise ConflictError(
            f"Cannot {action} an allocation that is {allocation.get_status_display().lower()}"
        )
    reason = bounded_text(
        reason,
        field="reason",
        max_length=model_max_length(Allocation, "status_reason"),
        required=reason_needed,
        keep_lines=True,
    )
    if action == "start":
        keyworker = keyworker or allocation.keyworker or actor
        allocation.keyworker = keyworker
    freed = allocation.status in HOLDS_A_PLACE and to_status not in HOLDS_A_PLACE
    _move(allocation, to_status, actor=actor, reason=action.capitalize(), note=reason)
    if freed:
        _offer_free_places(intervention, actor=actor)
    return allocation


NO_AGREEMENT = "Agreement to take part in an intervention no longer holds"


def allocations_follow_consent(referral: Referral, *, actor, cause: str = "") -> int:
    """Withdraw, at once, allocations whose agreement to take part no longer holds.

    No permission check: this follows a change of agreement, in its transaction, labelled
    with the actor who made it (a user, or ``SYSTEM`` when a job did); ``cause`` (a
    ``referrals.consent.LossCause``) is the reason the allocation records."""
    if referral.case_id is None or Purpose.INTERVENTION_DELIVERY in referral.permitted_purposes:
        return 0
    reason = (cause or NO_AGREEMENT).format(purpose=Purpose.INTERVENTION_DELIVERY.label)
    live = Allocation.objects.filter(
        case_id=referral.case_id,
        status__in=TRANSITIONS["withdraw"][0],
    ).values_list("pk", "intervention_id")
    for pk, intervention_id in live:
        allocation, intervention = _lock_allocation(
            Allocation(pk=pk, intervention_id=intervention_id)
        )
        freed = allocation.status in HOLDS_A_PLACE
        _move(
            allocation,
            AllocationStatus.WITHDRAWN,
            actor=actor,
            reason=reason,
            note=reason,
        )
        notification_allocation_withdrawn(allocation=allocation, actor=actor)
        if freed:
            _offer_free_places(intervention, actor=actor)
    return len(live)


# --- Contacts ----------------------------------------------------------------------------


@transaction.atomic
def contact_record(
    *,
    actor: User,
    allocation: Allocation,
    contact_date: datetime.date,
    contact_type: str,
    outcome: str,
    duration_minutes: int | None = None,
    notes: str = "",
) -> Contact:
    allocation, _ = _lock_allocation(allocation)
    require(actor, "allocation.contact", allocation)
    if not contacts_open(allocation):
        raise ConflictError("Contacts are recorded while an allocation is accepted or active")
    if contact_date > timezone.localdate():
        raise field_error("contact_date", "Cannot be in the future", "future_date")
    if contact_type not in ContactType.values:
        raise field_error("contact_type", "Unknown contact type", "invalid_choice")
    if outcome not in ContactOutcome.values:
        raise field_error("outcome", "Unknown outcome", "invalid_choice")
    if duration_minutes is not None and not 0 <= duration_minutes <= MAX_CONTACT_MINUTES:
        raise field_error(
            "duration_minutes", f"From 0 to {MAX_CONTACT_MINUTES} minutes", "out_of_range"
        )
    contact = Contact(
        allocation=allocation,
        contact_date=contact_date,
        contact_type=contact_type,
        outcome=outcome,
        duration_minutes=duration_minutes,
        notes=bounded_text(
            notes, field="notes", max_length=model_max_length(Contact, "notes"), keep_lines=True
        ),
        recorded_by=actor,
    )
    with_history(contact, actor=actor, reason="Contact recorded").save()
    latest = list(
        allocation.contacts.order_by("-contact_date", "-recorded_at", "-pk").values_list(
            "outcome", flat=True
        )[:MISSED_IN_A_ROW]
    )
    missed = len(latest) == MISSED_IN_A_ROW and all(
        o == ContactOutcome.DID_NOT_ATTEND for o in latest
    )
    if missed != allocation.missed_contacts_flag:
        allocation.missed_contacts_flag = missed
        reason = f"{MISSED_IN_A_ROW} missed contacts in a row" if missed else "Attending again"
        with_history(allocation, actor=actor, reason=reason).save(
            update_fields=["missed_contacts_flag"]
        )
    return contact


# --- Outcomes ----------------------------------------------------------------------------


def _plain(number: Decimal) -> str:
    return str(int(number)) if number == number.to_integral_value() else str(number)


@transaction.atomic
def outcome_record(
    *,
    actor: User,
    case: Case,
    measure: OutcomeMeasure,
    kind: str,
    value: Decimal,
    recorded_on: datetime.date,
) -> OutcomeRecord:
    case = Case.objects.select_for_update().get(pk=case.pk)
    require(actor, "outcome.record", case)
    if measure.derived:
        raise field_error("measure", "This measure is worked out by the system", "derived")
    if kind not in OutcomeKind.values:
        raise field_error("kind", "Baseline or follow-up", "invalid_choice")
    if not measure.in_range(value):
        raise field_error(
            "value",
            f"{measure.name} is measured from {_plain(measure.min_value)} to "
            f"{_plain(measure.max_value)}",
            "out_of_range",
        )
    if recorded_on > timezone.localdate():
        raise field_error("recorded_on", "Cannot be in the future", "future_date")
    if kind == OutcomeKind.BASELINE and case.outcomes.filter(measure=measure, kind=kind).exists():
        raise field_error("kind", "This case already has a baseline for the measure", "duplicate")
    if (
        kind == OutcomeKind.FOLLOW_UP
        and not case.outcomes.filter(measure=measure, kind=OutcomeKind.BASELINE).exists()
    ):
        raise field_error("kind", "Record a baseline first", "baseline_required")
    # A provider records for the organisation delivering to the case, anyone else for the
    # organisation they act for on it.
    provider_allocation = provider_allocation_on_case(actor, case)
    organisation = (
        provider_allocation.intervention.provider
        if provider_allocation
        else acting_organisation_on_case(actor, case)
    )
    record = OutcomeRecord(
        case=case,
        measure=measure,
        kind=kind,
        value=value,
        recorded_on=recorded_on,
        organisation=organisation,
        recorded_by=actor,
        allocation=provider_allocation,
    )
    with_history(record, actor=actor, reason=f"Outcome {kind}").save()
    return record
