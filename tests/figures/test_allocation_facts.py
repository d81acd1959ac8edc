"""Allocation, outcome and referral follow-up facts: what one allocation's row says, that
the incrementally folded store equals a rebuild from scratch, that each builder reads a
constant number of times whatever the number of people, and that no fact holds anything
that identifies anyone."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from figures import store
from figures.models import AllocationFact, OutcomeFact, ReferralFollowUpFact
from interventions.models import OutcomeMeasure
from interventions.services import (
    allocation_create,
    allocation_offer,
    allocation_transition,
    contact_record,
    intervention_update,
    outcome_record,
)
from tests.factories import (
    case_ready_for_delivery,
    make_intervention,
    make_person,
    submitted_referral,
    years_ago,
)

MY_FACTS = (AllocationFact, OutcomeFact, ReferralFollowUpFact)
MY_BUILDERS = ("allocations", "outcomes", "referral_follow_ups")


def step(actor, allocation, action, reason=""):
    return allocation_transition(actor=actor, allocation=allocation, action=action, reason=reason)


def person_in_delivery(lead, coordinator, chair, keyworker, intervention, *, n, **person):
    """A person whose case has an active allocation with two contacts and an outcome."""
    person = make_person(
        lead,
        **{"family_name": f"Person{n}", "date_of_birth": years_ago(14), **person},
    )
    case = case_ready_for_delivery(
        lead,
        coordinator,
        chair,
        person=person,
        narrative="Seen with the Quillfeather crew near the viaduct every night.",
    )
    allocation = allocation_create(
        actor=lead, case=case, intervention=intervention, request="Xanthippe-style mentoring"
    )
    allocation_offer(actor=lead, allocation=allocation)
    step(keyworker, allocation, "accept")
    step(keyworker, allocation, "start")
    today = timezone.localdate()
    for outcome in ("attended", "did_not_attend", "cancelled_by_provider"):
        contact_record(
            actor=keyworker,
            allocation=allocation,
            contact_date=today,
            contact_type="phone",
            outcome=outcome,
            notes="Talked about Zebulon Quillfeather's cousin.",
        )
    measure = OutcomeMeasure.objects.get(code="audit_c")
    for kind, value in (("baseline", "9"), ("follow_up", "6")):
        outcome_record(
            actor=keyworker,
            case=case,
            measure=measure,
            kind=kind,
            value=Decimal(value),
            recorded_on=today,
        )
    return case, allocation


def facts_of(model) -> list[tuple]:
    fields = [f.name for f in model._meta.fields if f.name != "id"]
    return sorted(model.objects.values_list(*fields))


@pytest.fixture
def mentoring(charity):
    return make_intervention(charity, capacity=30, annual_funding=Decimal("30000"))


@pytest.mark.django_db
class TestAllocationFacts:
    def test_one_row_per_allocation_with_its_life_and_contacts(
        self,
        school_caseworker,
        coordinator,
        panel_chair,
        provider_keyworker,
        charity,
        mentoring,
    ):
        lead, keyworker = school_caseworker, provider_keyworker
        case, delivered = person_in_delivery(
            lead, coordinator, panel_chair, keyworker, mentoring, n=1
        )
        step(keyworker, delivered, "complete")
        never_offered = allocation_create(
            actor=lead,
            case=case,
            intervention=make_intervention(charity, name="Boxing", capacity=2),
            request="Boxing",
        )
        step(lead, never_offered, "withdraw", reason="Not wanted")
        store.refresh_stale()

        today = timezone.localdate()
        first = AllocationFact.objects.get(intervention_id=mentoring.pk)
        assert (first.month, first.area, first.pathway) == (
            today.replace(day=1),
            "durham",
            "u18_prevention",
        )
        assert (first.provider_id, first.intervention_type, first.status) == (
            charity.pk,
            "mentoring",
            "completed",
        )
        assert (first.offered, first.started, first.completed, first.disengaged) == (
            True,
            True,
            True,
            False,
        )
        assert (first.attended_contacts, first.missed_contacts, first.cancelled_contacts) == (
            1,
            1,
            1,
        )
        assert (first.place_from, first.place_until, first.started_on, first.ended_on) == (
            today,
            today,
            today,
            today,
        )
        second = AllocationFact.objects.exclude(pk=first.pk).get()
        assert (second.status, second.offered, second.started, second.withdrawn) == (
            "withdrawn",
            False,
            False,
            True,
        )
        # Never offered, so never held a place, though it ended.
        assert (second.place_from, second.place_until, second.ended_on) == (None, None, today)

    def test_the_folded_store_equals_a_rebuild_from_scratch(
        self, school_caseworker, coordinator, panel_chair, provider_keyworker, mentoring
    ):
        lead, keyworker = school_caseworker, provider_keyworker
        _, first = person_in_delivery(lead, coordinator, panel_chair, keyworker, mentoring, n=1)
        case, second = person_in_delivery(lead, coordinator, panel_chair, keyworker, mentoring, n=2)
        submitted_referral(lead, person=make_person(lead, family_name="OnlyReferred"))
        store.refresh_stale()
        # Changes after the first fold: folded in by the next read.
        step(keyworker, first, "disengage", reason="Moved away")
        step(keyworker, second, "complete")
        submitted_referral(lead, person=case.person)
        intervention_update(
            actor=coordinator,
            intervention=mentoring,
            expected_version=mentoring.version,
            intervention_type="youth_work",
        )
        store.refresh_stale()
        folded = [facts_of(model) for model in MY_FACTS]

        store.rebuild()

        assert [facts_of(model) for model in MY_FACTS] == folded
        # Two allocations, two outcome pairs, four referrals; the catalogue change reached
        # both people's allocation facts through its trigger.
        assert [len(rows) for rows in folded] == [2, 2, 4]
        assert set(AllocationFact.objects.values_list("intervention_type", flat=True)) == {
            "youth_work"
        }

    def test_no_fact_holds_anything_that_identifies_anyone(
        self, school_caseworker, coordinator, panel_chair, provider_keyworker, mentoring
    ):
        born = years_ago(15, days=37)
        case, allocation = person_in_delivery(
            school_caseworker,
            coordinator,
            panel_chair,
            provider_keyworker,
            mentoring,
            n=1,
            given_name="Zebulon",
            family_name="Quillfeather",
            date_of_birth=born,
            nhs_number="9434765919",
            postcode="DH1 9QQ",
        )
        step(provider_keyworker, allocation, "disengage", reason="Left for Xanadu-upon-Tees")
        store.refresh_stale()
        person = case.person
        referral = case.referrals.get()
        seeded = [
            "Zebulon",
            "Quillfeather",
            "9434765919",
            "DH1 9QQ",
            "Xanthippe",
            "Xanadu",
            str(person.pk),
            str(case.pk),
            str(referral.pk),
            person.pk.hex,
            case.pk.hex,
            referral.pk.hex,
        ]
        rows = [row for model in MY_FACTS for row in model.objects.values()]
        assert len(rows) == 3
        for row in rows:
            for column, value in row.items():
                assert value != born, column
                for secret in seeded:
                    assert secret.lower() not in str(value).lower(), (column, secret)


@pytest.mark.django_db
def test_each_builder_reads_a_constant_number_of_times(
    school_caseworker,
    coordinator,
    panel_chair,
    provider_keyworker,
    mentoring,
    django_assert_num_queries,
):
    """Two people or twenty, each with an allocation, contacts, outcomes and referrals: the
    same number of queries per builder (no query per person)."""
    people = []
    for n in range(20):
        case, _ = person_in_delivery(
            school_caseworker, coordinator, panel_chair, provider_keyworker, mentoring, n=n
        )
        people.append(case.person_id)
    subjects = {pk: store.subject_of(pk) for pk in people}
    builders = {b.name: b for b in store.builders()}
    for name in MY_BUILDERS:
        replace = builders[name].replace
        with CaptureQueriesContext(connection) as two:
            replace(people[:2], {pk: subjects[pk] for pk in people[:2]})
        with django_assert_num_queries(len(two)):
            replace(people, subjects)
        # The tally's lock, the delete (subtracting from the tally), at most three reads, one
        # insert and the tally's addition.
        assert len(two) <= 7, name
    # And what they built covers everyone.
    assert AllocationFact.objects.count() == 20
    assert OutcomeFact.objects.count() == 20
    assert ReferralFollowUpFact.objects.count() == 20
