"""Retention: erase a person's records once every one of them is past its retention date.

Defaults (``settings.RETENTION``): a referral that closed without a case (declined,
signposted, no further action, withdrawn) is kept 2 years after that decision; a closed
case 6 years after closure or until the person's 25th birthday, whichever is later. A
person with an open referral or case, or under an active legal hold, is never erased.
Erasure deletes the records and their history rows, keeps only counts, and leaves a
tombstone in the audit chain naming what was erased by id.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import EventKind, LegalHold, RetentionStatistic
from audit.recorder import build_event

CLOSED_WITHOUT_CASE = ("declined", "signposted", "no_further_action", "withdrawn")


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass
class Plan:
    people: list = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


def _keep_until(person, referrals, cases) -> datetime.date | None:
    """The date until which this person's records must be kept; None while any is live."""
    policy = settings.RETENTION
    dates = []
    if not referrals and not cases:
        # Recorded but never referred: kept as long as a referral that went nowhere.
        recorded = timezone.localtime(person.created_at).date()
        dates.append(_years_after(recorded, policy["referral_closed_without_case"]))
    for referral in referrals:
        if referral.status in CLOSED_WITHOUT_CASE:
            decided = timezone.localtime(referral.screened_at or referral.status_changed_at).date()
            dates.append(_years_after(decided, policy["referral_closed_without_case"]))
        elif referral.status != "case_opened":
            return None  # draft, submitted, returned or on the panel's agenda
    for case in cases:
        if case.status != "closed":
            return None
        closed = timezone.localtime(case.closed_at).date()
        dates.append(
            max(
                _years_after(closed, policy["closed_case"]),
                _years_after(person.date_of_birth, policy["case_until_age"]),
            )
        )
    return max(dates)


def retention_plan(*, today: datetime.date | None = None) -> Plan:
    from cases.models import Case
    from referrals.models import Person, Referral

    today = today or timezone.localdate()
    held = set(LegalHold.objects.filter(lifted_at=None).values_list("person_id", flat=True))
    referrals_by_person: dict = {}
    for referral in Referral.objects.all().only(
        "id", "person_id", "status", "screened_at", "status_changed_at"
    ):
        referrals_by_person.setdefault(referral.person_id, []).append(referral)
    cases_by_person: dict = {}
    for case in Case.objects.all().only("id", "person_id", "status", "closed_at"):
        cases_by_person.setdefault(case.person_id, []).append(case)
    plan = Plan()
    for person in Person.objects.all().only("id", "created_at", "date_of_birth"):
        if person.pk in held:
            continue
        referrals = referrals_by_person.get(person.pk, [])
        cases = cases_by_person.get(person.pk, [])
        keep_until = _keep_until(person, referrals, cases)
        if keep_until is not None and keep_until <= today:
            plan.people.append(person.pk)
            plan.counts["people"] += 1
            plan.counts["referrals"] += len(referrals)
            plan.counts["cases"] += len(cases)
    return plan


def _delete_with_history(label: str, queryset, erased: dict) -> None:
    model = apps.get_model(label)
    ids = list(queryset.values_list("pk", flat=True))
    if not ids:
        return
    erased.setdefault(label, []).extend(str(pk) for pk in ids)
    history = getattr(model, "history", None)
    model.objects.filter(pk__in=ids).delete()
    if history is not None:
        history.model.objects.filter(**{f"{model._meta.pk.attname}__in": ids}).delete()


def _statistics(referrals, cases, today) -> None:
    tallies: Counter = Counter()
    for referral in referrals:
        tallies[
            (
                "referral",
                referral.pathway,
                referral.area,
                referral.status,
                referral.referral_date.year,
            )
        ] += 1
    for case in cases:
        tallies[("case", case.pathway, case.area, case.closure_reason, case.opened_at.year)] += 1
    RetentionStatistic.objects.bulk_create(
        [
            RetentionStatistic(
                erased_on=today,
                record_type=kind,
                pathway=pathway,
                area=area,
                outcome=outcome,
                year=year,
                count=count,
            )
            for (kind, pathway, area, outcome, year), count in tallies.items()
        ]
    )


@transaction.atomic
def erase_person(person_id, *, today: datetime.date) -> dict:
    from cases.models import Case, CaseNote, CaseShare, PanelDecision
    from interventions.models import Allocation, Contact, OutcomeRecord
    from referrals.models import Consent, GillickAssessment, LawfulBasis, Person, Referral

    referrals = Referral.objects.filter(person_id=person_id)
    cases = Case.objects.filter(person_id=person_id)
    _statistics(list(referrals), list(cases), today)
    allocations = Allocation.objects.filter(case__in=cases)
    erased: dict[str, list[str]] = {}
    # Records of the same human kept under another person record may point at these.
    Referral.objects.filter(case__in=cases).exclude(person_id=person_id).update(case=None)
    PanelDecision.objects.filter(case__in=cases).exclude(referral__person_id=person_id).update(
        case=None
    )
    # Other people's referrals may cite one of these as their previous incident.
    Referral.objects.filter(previous_incident_referral__in=referrals).exclude(
        person_id=person_id
    ).update(previous_incident_referral=None)
    _delete_with_history(
        "interventions.Contact", Contact.objects.filter(allocation__in=allocations), erased
    )
    _delete_with_history(
        "interventions.OutcomeRecord", OutcomeRecord.objects.filter(case__in=cases), erased
    )
    _delete_with_history("interventions.Allocation", allocations, erased)
    decisions = PanelDecision.objects.filter(referral__in=referrals)
    for decision in decisions:
        _delete_with_history("cases.PanelAction", decision.actions.all(), erased)
    _delete_with_history("cases.PanelDecision", decisions, erased)
    _delete_with_history("cases.CaseShare", CaseShare.objects.filter(case__in=cases), erased)
    notes = CaseNote.objects.filter(case__in=cases)
    _delete_with_history("cases.CaseNote", notes.exclude(corrects=None), erased)
    _delete_with_history("cases.CaseNote", notes, erased)
    _delete_with_history(
        "cases.RiskReview",
        apps.get_model("cases.RiskReview").objects.filter(case__in=cases),
        erased,
    )
    _delete_with_history(
        "referrals.Consent", Consent.objects.filter(referral__in=referrals), erased
    )
    _delete_with_history(
        "referrals.GillickAssessment",
        GillickAssessment.objects.filter(referral__in=referrals),
        erased,
    )
    _delete_with_history(
        "referrals.LawfulBasis", LawfulBasis.objects.filter(referral__in=referrals), erased
    )
    Referral.objects.filter(person_id=person_id).exclude(previous_incident_referral=None).update(
        previous_incident_referral=None
    )
    _delete_with_history("referrals.Referral", referrals, erased)
    _delete_with_history("cases.Case", cases, erased)
    _delete_with_history("referrals.Person", Person.objects.filter(pk=person_id), erased)
    tombstone = build_event(
        kind=EventKind.TOMBSTONE,
        user=None,
        action="retention_erasure",
        object_type="person",
        object_id=person_id,
        person_id=person_id,
        purpose="retention",
        details={"erased": erased},
    )
    tombstone.save()
    return erased


def apply_retention(*, dry_run: bool, today: datetime.date | None = None) -> Plan:
    today = today or timezone.localdate()
    plan = retention_plan(today=today)
    if not dry_run:
        for person_id in plan.people:
            erase_person(person_id, today=today)
        _prune_idempotency_records()
    return plan


def _prune_idempotency_records() -> None:
    # Stored answers can hold personal data; a retry a day later is not a retry.
    from api.models import IdempotencyRecord

    IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - datetime.timedelta(days=1)
    ).delete()
