"""Lean read serializers answer exactly what DRF's own walk of the fields answers."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from api.cases.serializers import CaseListSerializer
from api.lean import LeanRepresentation
from api.referrals.serializers import ReferralListSerializer
from cases.models import Case
from cases.selectors import as_listed_cases
from referrals.models import Referral
from referrals.selectors import as_listed
from tests.factories import opened_case, submitted_referral


class Plain(serializers.Serializer):
    name = serializers.CharField()
    shown = serializers.CharField(source="label.text")
    greeting = serializers.CharField()
    missing = serializers.CharField(required=False)
    nothing = serializers.CharField(allow_null=True)
    counted = serializers.SerializerMethodField()

    def get_counted(self, row) -> int:
        return len(row["name"])


class Lean(LeanRepresentation, Plain):
    pass


def test_a_dictionary_row_is_answered_as_drf_answers_it():
    rows = [
        {"name": "Riverside", "label": {"text": "School"}, "greeting": lambda: "Hello"},
        {"name": "Durham", "label": {"text": "Council"}, "greeting": "Hi", "missing": "here"},
    ]
    assert Lean(rows, many=True).data == Plain(rows, many=True).data
    assert Lean(rows, many=True).data[0] == {
        "name": "Riverside",
        "shown": "School",
        "greeting": "Hello",
        "nothing": None,
        "counted": 9,
    }


@pytest.mark.django_db
def test_the_lists_answer_as_drf_answers_them(school_caseworker, coordinator, panel_chair):
    submitted_referral(school_caseworker)
    opened_case(school_caseworker, coordinator, panel_chair)
    for serializer, rows in (
        (ReferralListSerializer, list(as_listed(Referral.objects.all()))),
        (CaseListSerializer, list(as_listed_cases(Case.objects.all()))),
    ):
        lean = serializer(rows, many=True).data
        walk = LeanRepresentation.to_representation
        del LeanRepresentation.to_representation  # DRF's own, for the comparison
        try:
            drf = serializer(rows, many=True).data
        finally:
            LeanRepresentation.to_representation = walk
        assert lean == drf
        assert lean


class Shared(LeanRepresentation, serializers.Serializer):
    lean_shared_fields = True
    name = serializers.CharField()
    label = serializers.CharField(source="__str__")


class SharedWithAMethod(Shared):
    lean_shared_fields = True
    counted = serializers.SerializerMethodField()

    def get_counted(self, row) -> int:
        return 1


class Row:
    def __init__(self, name):
        self.name = name

    def __str__(self):
        return f"row {self.name}"


def test_shared_fields_are_built_once_for_the_class_and_never_read_the_context():
    first = Shared([Row("a"), Row("b")], many=True)
    assert first.data == [{"name": "a", "label": "row a"}, {"name": "b", "label": "row b"}]
    again = Shared([Row("c")], many=True)
    assert again.data == [{"name": "c", "label": "row c"}]
    assert again.child._lean is first.child._lean
    # Fields bound to no request's serializer: nothing of a page is kept.
    assert all(field.parent.instance is None for _, _, field in first.child._lean)
    with pytest.raises(ImproperlyConfigured, match="counted"):
        _ = SharedWithAMethod([Row("a")], many=True).data
