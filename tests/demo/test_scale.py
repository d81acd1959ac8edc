"""The generated partnership (demo.scale): consistent with the models, the lifecycle, the
pathways' rules, consent, encryption and the audit chain; and the benchmark's bare view."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import Resolver404, clear_url_caches, resolve

from cases.models import Case, PanelDecision
from demo import scale
from figures import store
from figures.models import StaleSubject
from interventions.models import Allocation, Contact, OutcomeRecord
from referrals.consent import consent_position
from referrals.models import Person, Referral, ReferralStatus
from referrals.pathways import assess

pytestmark = pytest.mark.django_db

PEOPLE = 50


def test_a_generated_partnership_is_consistent():
    # One generation checked every way: making it is the slow part.
    generated = scale.generate_partnership(people=PEOPLE, months=12, seed=7, batch=20)
    _writes_the_people_asked_for_with_their_referrals_and_delivery(generated)
    _identity_is_sealed_and_indexed_as_the_model_would()
    _each_referral_follows_the_lifecycle_and_its_pathway()
    _cases_allocations_and_outcomes_are_in_order()
    _the_audit_chain_stays_valid_and_the_figures_rebuild()


def _writes_the_people_asked_for_with_their_referrals_and_delivery(generated):
    people = Person.objects.filter(created_by_organisation__code__startswith=scale.CODE_PREFIX)
    assert people.count() == PEOPLE == generated.people
    assert Referral.objects.filter(person__in=people).count() == generated.rows["referrals"]
    # Two referrals a person on average: with 50 people, comfortably more than 50.
    assert generated.rows["referrals"] > PEOPLE
    assert Case.objects.count() == generated.rows["cases"] > 0
    assert Allocation.objects.count() == generated.rows["allocations"] > 0
    assert Contact.objects.count() == generated.rows["contacts"] > 0
    assert OutcomeRecord.objects.filter(kind="baseline").exists()
    # Every person is marked for the reporting store to fold in.
    assert set(StaleSubject.objects.values_list("person_id", flat=True)) >= set(
        people.values_list("id", flat=True)
    )


def _identity_is_sealed_and_indexed_as_the_model_would():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT given_name, date_of_birth, narrative FROM referrals_person p"
            " JOIN referrals_referral r ON r.person_id = p.id LIMIT 1"
        )
        row = cursor.fetchone()
    assert all(value.startswith("v1.") for value in row)
    equality = "ethnicity" in {f.name for f in Person._meta.get_fields()}
    if equality:
        # Filled where the person has the fields (referrals.equality's codes).
        # Sealed, so compared once read, not in SQL.
        people = list(Person.objects.only("ethnicity", "disability")[:PEOPLE])
        assert any(person.ethnicity for person in people)
        assert any(person.disability for person in people)
    for person in Person.objects.all()[:PEOPLE]:
        assert any(person.given_name in names for names in scale.GIVEN_NAMES.values())
        assert isinstance(person.date_of_birth, datetime.date)
        stored = (
            person.family_name_dob_index,
            person.nhs_number_index,
            person.police_reference_index,
            person.unique_pupil_number_index,
        )
        person.refresh_blind_indexes()
        assert stored == (
            person.family_name_dob_index,
            person.nhs_number_index,
            person.police_reference_index,
            person.unique_pupil_number_index,
        )
        if equality:
            from referrals.equality import Disability, Ethnicity

            assert person.ethnicity in [*Ethnicity.values, ""]
            assert person.disability in [*Disability.values, ""]


def _each_referral_follows_the_lifecycle_and_its_pathway():
    referrals = Referral.objects.select_related("person")
    assert {r.status for r in referrals} <= set(ReferralStatus.values)
    for referral in referrals:
        person = referral.person
        if referral.status == ReferralStatus.DRAFT:
            assert referral.submitted_at is None
            continue
        eligibility = assess(
            pathway=referral.pathway,
            age=referral.age_at_referral,
            gender=person.gender,
            outside_focus_reason=referral.outside_focus_reason,
            night_time_economy=referral.night_time_economy,
            incident_time=referral.incident_time,
            incident_place=referral.incident_place,
            risk_factors=referral.risk_factors,
            domestic_abuse_incident=referral.domestic_abuse_incident,
            knife_or_sharp_instrument=referral.knife_or_sharp_instrument,
            domestic_abuse_role=referral.domestic_abuse_role,
            incident_date=referral.incident_date,
            previous_incident_date=referral.previous_incident_date,
            found_previous_incident_date=None,
        )
        assert eligibility.eligible, (referral.pathway, eligibility.reasons)
        assert referral.incident_date <= referral.referral_date
        assert referral.submitted_at.date() >= referral.referral_date - datetime.timedelta(1)
        if referral.screened_at is not None:
            assert referral.screened_at >= referral.submitted_at
        decisions = list(PanelDecision.objects.filter(referral=referral).order_by("decided_at"))
        for decision in decisions:
            assert decision.decided_at >= referral.screened_at
            assert decision.rationale
        if referral.status == ReferralStatus.CASE_OPENED:
            assert decisions[-1].outcome == "open_case"
            assert referral.case_id == decisions[-1].case_id is not None
        if decisions and referral.status != ReferralStatus.ACCEPTED_FOR_PANEL:
            assert decisions[-1].outcome != "defer"
        # What the referral may be used for is what its consent, lawful bases and agreement
        # to take part say (on the day it was made: whoever decides depends on age).
        positions = consent_position(referral, on=referral.referral_date)
        permitted = {p for p, pos in positions.items() if pos.permitted}
        assert permitted == set(referral.permitted_purposes)


def _cases_allocations_and_outcomes_are_in_order():
    for case in Case.objects.prefetch_related("allocations__contacts", "outcomes"):
        assert (case.closed_at is None) == (case.status == "open")
        for allocation in case.allocations.all():
            assert allocation.created_at >= case.opened_at
            assert allocation.status_changed_at >= allocation.created_at
            for contact in allocation.contacts.all():
                assert contact.contact_date >= allocation.created_at.date() - datetime.timedelta(1)
        for record in case.outcomes.all():
            assert record.measure.in_range(record.value)


def _the_audit_chain_stays_valid_and_the_figures_rebuild():
    out = StringIO()
    call_command("audit_verify", "--no-progress", stdout=out)
    assert "BROKEN" not in out.getvalue()
    assert store.rebuild() == Person.objects.count()
    assert not StaleSubject.objects.exists()


@pytest.fixture
def reload_urls():
    import importlib

    from django.conf import settings

    def reload():
        clear_url_caches()
        importlib.reload(importlib.import_module(settings.ROOT_URLCONF))

    yield reload
    reload()


def test_the_bare_view_is_not_routed_unless_the_benchmark_asks(client, reload_urls):
    reload_urls()
    with pytest.raises(Resolver404):
        resolve("/benchmark/bare/")
    assert client.get("/benchmark/bare/").status_code == 404

    with override_settings(BENCHMARK_BARE_VIEW=True):
        reload_urls()
        assert resolve("/benchmark/bare/").url_name == "benchmark-bare"
        assert client.get("/benchmark/bare/", secure=True).status_code == 200
