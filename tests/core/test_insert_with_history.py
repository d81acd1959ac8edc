"""``core.history.insert_with_history`` writes what ``save()`` and simple-history write, in
one statement: the same rows, the same history rows, each with its change event."""

import datetime
import json

import pytest
from django.db.models.signals import post_save, pre_save
from simple_history.signals import post_create_historical_record

from audit.chain import history_digest
from audit.models import AuditEvent
from core.history import insert_with_history, with_history
from referrals.models import Person, Referral

# Written by the database or the moment: they differ between any two records.
MOMENTS = {"id", "person_id", "created_at", "updated_at", "status_changed_at"}
HISTORY_MOMENTS = MOMENTS | {"history_id", "history_date"}


def _person(actor, organisation, **details):
    person = Person(
        given_name="Casey",
        family_name="Hartley",
        date_of_birth=datetime.date(2011, 3, 4),
        gender="male",
        nhs_number="9434765919",
        created_by=actor,
        created_by_organisation=organisation,
        **details,
    )
    person.refresh_blind_indexes()
    return with_history(person, actor=actor, reason="Recorded by a test")


def _referral(actor, organisation, person):
    referral = Referral(
        person=person,
        pathway="u18_prevention",
        area="durham",
        referrer=actor,
        organisation=organisation,
        referral_date=datetime.date(2026, 6, 3),
        age_at_referral=15,
        incident_date=datetime.date(2026, 6, 1),
        incident_time=datetime.time(16, 30),
        incident_place="Outside the school gates",
        narrative="Threatened a pupil with a blade after school.\nTwice.",
        risk_factors=["knife_carrying", "gang_association"],
        risk_level="medium",
    )
    return with_history(referral, actor=actor, reason="Draft referral started")


def _stored(model, pk, moments):
    # Read back through the model: sealed text opened, so two sealings of one value agree.
    record = model.objects.get(pk=pk)
    return {
        f.attname: f.value_from_object(record)
        for f in model._meta.concrete_fields
        if f.attname not in moments
    }


def _history_of(model, pk):
    return model.history.model.objects.get(**{model._meta.pk.attname: pk})


@pytest.mark.django_db
def test_the_rows_and_history_rows_are_those_save_writes(school_caseworker, school):
    saved_person = _person(school_caseworker, school)
    saved_person.save()
    saved = _referral(school_caseworker, school, saved_person)
    saved.save()

    person = _person(school_caseworker, school)
    referral = _referral(school_caseworker, school, person)
    assert insert_with_history(person, referral) == []

    for model, a, b in ((Person, saved_person, person), (Referral, saved, referral)):
        assert _stored(model, b.pk, MOMENTS) == _stored(model, a.pk, MOMENTS)
        history_a, history_b = _history_of(model, a.pk), _history_of(model, b.pk)
        assert _stored(model.history.model, history_b.pk, HISTORY_MOMENTS) == _stored(
            model.history.model, history_a.pk, HISTORY_MOMENTS
        )
        assert history_b.history_type == "+"
        assert history_b.history_change_reason == a._change_reason
        assert not b._state.adding
    assert Referral.objects.get(pk=referral.pk).person_id == person.pk


@pytest.mark.django_db
def test_each_history_row_gets_its_change_event(school_caseworker, school):
    person = _person(school_caseworker, school)
    referral = _referral(school_caseworker, school, person)
    insert_with_history(person, referral)
    for model, record in ((Person, person), (Referral, referral)):
        history = _history_of(model, record.pk)
        (event,) = AuditEvent.objects.filter(
            kind="change", object_type=model._meta.label, object_id=str(record.pk)
        )
        details = json.loads(event.content)["details"]
        assert details["history_id"] == history.history_id
        assert details["digest"] == history_digest(history)
        assert event.user_id == school_caseworker.pk


@pytest.mark.django_db
def test_the_signals_save_sends_are_sent_and_history_is_not_written_twice(
    school_caseworker, school
):
    heard = []

    def listen(signal):
        def receiver(sender, **kwargs):
            heard.append((signal, sender, kwargs.get("created")))

        return receiver

    receivers = {name: listen(name) for name in ("pre_save", "post_save", "history")}
    pre_save.connect(receivers["pre_save"], sender=Referral)
    post_save.connect(receivers["post_save"], sender=Referral)
    post_create_historical_record.connect(receivers["history"], sender=Referral.history.model)
    try:
        person = _person(school_caseworker, school)
        person.save()
        insert_with_history(_referral(school_caseworker, school, person))
    finally:
        pre_save.disconnect(receivers["pre_save"], sender=Referral)
        post_save.disconnect(receivers["post_save"], sender=Referral)
        post_create_historical_record.disconnect(
            receivers["history"], sender=Referral.history.model
        )
    assert heard == [
        ("pre_save", Referral, None),
        ("post_save", Referral, True),
        ("history", Referral.history.model, None),
    ]
    assert Referral.history.count() == 1


@pytest.mark.django_db
def test_an_insert_beside_them_says_how_many_rows_it_wrote(school_caseworker, school):
    from core.history import AlsoInsert

    person = _person(school_caseworker, school)
    also = AlsoInsert(
        "INSERT INTO figures_stalesubject (person_id) SELECT %s WHERE %s", [person.pk, False]
    )
    assert insert_with_history(person, also=(also,)) == [0]


@pytest.mark.django_db
def test_only_new_records_are_inserted(school_caseworker, school):
    person = _person(school_caseworker, school)
    person.save()
    with pytest.raises(ValueError, match="new records only"):
        insert_with_history(person)
