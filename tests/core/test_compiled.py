"""Queries kept compiled (core.compiled): the same rows as the queryset gives, one query a
use, another shape for whatever changes the SQL, and refused when a value does not come out
as a parameter of its own."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.compiled import CompiledQuery, CompiledQueryMismatch, compiled_query
from partners.models import Area, Organisation
from partners.roles import Role
from referrals.models import Referral
from tests.factories import make_member, make_organisation, make_referral

pytestmark = pytest.mark.django_db

UNCHECKED = override_settings(COMPILED_QUERY_CHECK=False)


@pytest.fixture
def referrals():
    school = make_organisation(name="School")
    police = make_organisation(name="Police", area=Area.DARLINGTON)
    made = []
    for organisation, names in ((school, ["Ann", "Bea"]), (police, ["Cy"])):
        referrer = make_member(organisation, Role.REFERRER)
        for name in names:
            made.append(make_referral(referrer, person=None, narrative=f"about {name}"))
    return made


@compiled_query
def _of_organisations(shape, *, organisations, since):
    return (
        Referral.objects.filter(organisation__in=organisations, created_at__gte=since)
        .select_related("person", "organisation")
        .order_by("created_at", "pk")
    )


@compiled_query
def _by_pk(shape, *, pk, area):
    return Referral.objects.filter(pk=pk, area=area).exclude(organisation__area=Area.DURHAM)


@compiled_query
def _narrative_contains(shape, *, word):
    return Referral.objects.filter(organisation__name__icontains=word)


@compiled_query
def _since_now(shape, *, organisation):
    return Referral.objects.filter(organisation=organisation, created_at__lte=timezone.now())


@compiled_query
def _ids(shape, *, organisations):
    ordered = Referral.objects.filter(organisation__in=organisations).order_by("created_at")
    if shape == "flat":
        return ordered.values_list("pk", flat=True)
    return ordered.values_list("pk", "organisation__name")


def _long_ago():
    return timezone.now() - datetime.timedelta(days=1)


def test_rows_are_the_querysets_own_in_one_query_each(referrals, django_assert_num_queries):
    organisations = sorted({r.organisation_id for r in referrals})
    expected = list(_of_organisations.queryset(organisations=organisations, since=_long_ago()))
    for _ in range(2):
        with django_assert_num_queries(1):
            got = _of_organisations.rows(organisations=organisations, since=_long_ago())
        with django_assert_num_queries(0):
            assert [r.pk for r in got] == [r.pk for r in expected]
            # Sealed fields opened by their converters, related rows joined.
            assert [r.narrative for r in got] == [r.narrative for r in expected]
            assert [r.person.given_name for r in got] == [r.person.given_name for r in expected]
            assert [r.organisation.name for r in got] == [r.organisation.name for r in expected]
    assert got[0]._state.db == "default"
    assert not got[0]._state.adding


def test_another_length_is_another_shape(referrals):
    school, police = sorted({r.organisation_id for r in referrals})
    one = _of_organisations.rows(organisations=[school], since=_long_ago())
    both = _of_organisations.rows(organisations=[school, police], since=_long_ago())
    again = _of_organisations.rows(organisations=[police], since=_long_ago())
    assert {r.organisation_id for r in one} == {school}
    assert {r.organisation_id for r in both} == {school, police}
    assert {r.organisation_id for r in again} == {police}
    keys = [key for key in _of_organisations._shapes if key[0] == ()]
    assert len({key[1] for key in keys}) >= 2


def test_repeated_elements_are_another_shape(referrals):
    """``IN`` drops repeats, so a list with them is compiled as its own shape."""
    school = referrals[0].organisation_id
    rows = _of_organisations.rows(organisations=[school, school], since=_long_ago())
    assert {r.organisation_id for r in rows} == {school}


def test_a_value_equal_to_another_parameter_goes_only_where_it_was_named(referrals):
    """First compiled with the area equal to the query's own constant (Durham): the value's
    place is found by a sentinel, never by its value, so the constant stays as it was."""
    school, police = referrals[0], referrals[2]
    Referral.objects.filter(pk=police.pk).update(area=Area.DARLINGTON)
    assert _by_pk.first(pk=school.pk, area=Area.DURHAM) is None
    assert _by_pk.first(pk=police.pk, area=Area.DARLINGTON) == police
    assert _by_pk.first(pk=police.pk, area=Area.DURHAM) is None


def test_none_is_written_in_as_django_writes_it(referrals):
    police = referrals[2]
    Referral.objects.filter(pk=police.pk).update(area=Area.DARLINGTON)
    assert _by_pk.first(pk=None, area=Area.DARLINGTON) is None
    assert _by_pk.first(pk=police.pk, area=Area.DARLINGTON) == police


def test_values_lists(referrals):
    organisations = sorted({r.organisation_id for r in referrals})
    flat = _ids.rows(shape="flat", organisations=organisations)
    pairs = _ids.rows(shape="pairs", organisations=organisations)
    assert flat == list(_ids.queryset(shape="flat", organisations=organisations))
    assert pairs == list(_ids.queryset(shape="pairs", organisations=organisations))
    assert {name for _, name in pairs} == {"School", "Police"}


def test_a_transformed_value_is_refused_and_run_as_a_queryset(referrals):
    with pytest.raises(CompiledQueryMismatch, match="not a parameter of its own"):
        _narrative_contains.rows(word="schoo")
    with UNCHECKED, CaptureQueriesContext(connection) as queries:
        rows = _narrative_contains.rows(word="schoo")
    assert {r.pk for r in rows} == {r.pk for r in referrals[:2]}
    assert len(queries) == 1


def test_a_hidden_value_is_refused(referrals):
    with pytest.raises(CompiledQueryMismatch, match="a value not named"):
        _since_now.rows(organisation=referrals[0].organisation_id)
    with UNCHECKED:
        assert len(_since_now.rows(organisation=referrals[0].organisation_id)) == 2


def test_a_function_closing_over_a_variable_is_refused():
    organisation = Organisation(pk=1)

    def build(shape):
        return Referral.objects.filter(organisation=organisation)

    with pytest.raises(TypeError, match="closes over"):
        CompiledQuery(build)


_AREA = {"value": Area.DURHAM}


@compiled_query
def _reads_a_global(shape, *, pk):
    return Referral.objects.filter(pk=pk, area=_AREA["value"])


@override_settings(COMPILED_QUERY_CHECK=True)
def test_the_check_catches_a_shape_the_key_does_not_say(referrals):
    """A function reading what is neither its shape nor its values: the kept SQL would be
    run with the old constant, and the check (the test settings') fails the use."""
    assert _reads_a_global.first(pk=referrals[0].pk) == referrals[0]
    _AREA["value"] = Area.DARLINGTON
    try:
        with pytest.raises(CompiledQueryMismatch, match="parameters differ"):
            _reads_a_global.first(pk=referrals[0].pk)
    finally:
        _AREA["value"] = Area.DURHAM


@compiled_query
def _reads_a_global_too(shape, *, pk):
    return Referral.objects.filter(pk=pk, area=_AREA["value"])


@override_settings(COMPILED_QUERY_CHECK=4)
def test_a_sampled_check_looks_at_a_shape_s_first_use_and_every_fourth_after(referrals):
    """The suite's setting: the first use of each shape is checked, then one in four."""
    assert _reads_a_global_too.first(pk=referrals[0].pk) == referrals[0]  # the first: checked
    _AREA["value"] = Area.DARLINGTON
    try:
        # The second and third run unchecked, on the kept SQL (the old constant)...
        assert _reads_a_global_too.first(pk=referrals[0].pk) == referrals[0]
        assert _reads_a_global_too.first(pk=referrals[0].pk) == referrals[0]
        # ... and the fourth is checked.
        with pytest.raises(CompiledQueryMismatch, match="parameters differ"):
            _reads_a_global_too.first(pk=referrals[0].pk)
    finally:
        _AREA["value"] = Area.DURHAM


def test_a_value_of_another_type_is_another_shape(referrals):
    """A string where a UUID was is keyed apart (Django prepares it into a UUID), never
    passed through as it came; no string sentinel is a UUID, so that shape runs as a
    queryset."""
    police = referrals[2]
    Referral.objects.filter(pk=police.pk).update(area=Area.DARLINGTON)
    assert _by_pk.first(pk=police.pk, area=Area.DARLINGTON) == police
    with pytest.raises(CompiledQueryMismatch, match="could not be kept"):
        _by_pk.first(pk=str(police.pk), area=Area.DARLINGTON)
    with UNCHECKED:
        assert _by_pk.first(pk=str(police.pk), area=Area.DARLINGTON) == police
    assert _by_pk.first(pk=uuid.uuid4(), area=Area.DARLINGTON) is None


def test_counts_and_slices_as_a_paginator_asks(referrals, django_assert_num_queries):
    organisations = sorted({r.organisation_id for r in referrals})
    since = _long_ago()
    bound = _of_organisations.bound(organisations=organisations, since=since)
    queryset = _of_organisations.queryset(organisations=organisations, since=since)
    expected = [r.pk for r in queryset[1:3]]
    for _ in range(2):
        with django_assert_num_queries(1):
            assert bound.count() == 3
        with django_assert_num_queries(1):
            assert [r.pk for r in bound[1:3]] == expected
    assert _of_organisations.count(organisations=[], since=since) == 0
    assert bound[5:7] == []


def test_nothing_to_ask_asks_nothing(referrals, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert _of_organisations.rows(organisations=[], since=_long_ago()) == []
        assert _of_organisations.count(organisations=[], since=_long_ago()) == 0


@compiled_query
def _aged(shape, *, age):
    return Referral.objects.filter(age_at_referral=age)


def test_an_integer_beyond_its_columns_range_is_another_shape(referrals):
    """Django writes an out-of-range integer as no match: a sentinel is of the value's own
    range, so an age of 14 and one of 40,000 are compiled apart."""
    Referral.objects.filter(pk=referrals[0].pk).update(age_at_referral=14)
    assert [r.pk for r in _aged.rows(age=14)] == [referrals[0].pk]
    assert _aged.rows(age=40_000) == []
    assert _aged.rows(age=-3) == []
    assert [r.pk for r in _aged.rows(age=14)] == [referrals[0].pk]
