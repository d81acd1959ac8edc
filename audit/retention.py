"""Retention: erase a person's records once every one of them is past its retention date.

Defaults (``settings.RETENTION``): a referral that closed without a case (declined,
signposted, no further action, withdrawn) is kept 2 years after that decision; a closed
case 6 years after closure or until the person's 25th birthday, whichever is later. A
person with an open referral or case, or under an active legal hold, is never erased.
Erasure deletes the records and their history rows, keeps only counts, and leaves a
tombstone in the audit chain naming what was erased by id.

What the records are, when each may go and how to delete them is told by the apps that
hold them (``audit.registry``); this module only applies the policy across them.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from audit.models import EventKind, LegalHold, RetentionStatistic
from audit.recorder import build_event
from audit.registry import RetainedPerson, RetentionFact, registry
from core.actors import SYSTEM


@dataclass
class Plan:
    people: list = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


def _keep_until(person: RetainedPerson, facts: list[RetentionFact]) -> datetime.date | None:
    """The date until which this person's records must be kept; None while any is live."""
    if any(fact.live for fact in facts):
        return None
    dates = [fact.keep_until for fact in facts if fact.keep_until is not None]
    # Recorded but never referred: kept as long as a referral that went nowhere.
    return max(dates) if dates else person.kept_until_alone


def retention_plan(*, today: datetime.date | None = None) -> Plan:
    today = today or timezone.localdate()
    held = set(LegalHold.objects.filter(lifted_at=None).values_list("person_id", flat=True))
    facts_by_person: dict = defaultdict(list)
    for provider in registry.providers():
        for fact in provider.retention():
            facts_by_person[fact.person_id].append(fact)
    plan = Plan()
    for person in registry.people.people():
        if person.id in held:
            continue
        facts = facts_by_person.get(person.id, [])
        keep_until = _keep_until(person, facts)
        if keep_until is not None and keep_until <= today:
            plan.people.append(person.id)
            plan.counts["people"] += 1
            for fact in facts:
                plan.counts[fact.record_type] += 1
    return plan


class Erasure:
    """Deletes records with their history rows and remembers their ids for the tombstone."""

    def __init__(self):
        self.erased: dict[str, list[str]] = {}

    def delete(self, queryset) -> None:
        model = queryset.model
        ids = list(queryset.values_list("pk", flat=True))
        if not ids:
            return
        self.erased.setdefault(model._meta.label, []).extend(str(pk) for pk in ids)
        history = getattr(model, "history", None)
        model.objects.filter(pk__in=ids).delete()
        if history is not None:
            history.model.objects.filter(**{f"{model._meta.pk.attname}__in": ids}).delete()


def _statistics(person_id, today) -> None:
    tallies: Counter = Counter()
    for provider in registry.providers():
        tallies.update(provider.statistics(person_id))
    RetentionStatistic.objects.bulk_create(
        [
            RetentionStatistic(
                erased_on=today,
                record_type=statistic.record_type,
                pathway=statistic.pathway,
                area=statistic.area,
                outcome=statistic.outcome,
                year=statistic.year,
                count=count,
            )
            for statistic, count in tallies.items()
        ]
    )


@transaction.atomic
def erase_person(person_id, *, today: datetime.date) -> dict:
    _statistics(person_id, today)
    erasure = Erasure()
    for provider in registry.erasure_order():
        provider.erase(person_id, erasure)
    tombstone = build_event(
        kind=EventKind.TOMBSTONE,
        user=SYSTEM,
        action="retention_erasure",
        object_type="person",
        object_id=person_id,
        person_id=person_id,
        purpose="retention",
        details={"erased": erasure.erased},
    )
    tombstone.save()
    return erasure.erased


def apply_retention(*, dry_run: bool, today: datetime.date | None = None) -> Plan:
    today = today or timezone.localdate()
    plan = retention_plan(today=today)
    if not dry_run:
        for person_id in plan.people:
            erase_person(person_id, today=today)
    return plan
