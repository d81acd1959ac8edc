"""The one audit search: the IG web page and the API filter the trail with this FilterSet."""

import django_filters
from django import forms

from audit.models import AuditEvent, EventKind


class AuditEventFilter(django_filters.FilterSet):
    person_id = django_filters.UUIDFilter(label="Person (id)")
    username = django_filters.CharFilter(
        field_name="user__username",
        label="User (username)",
        max_length=150,
    )
    object_id = django_filters.CharFilter(label="Record id", max_length=64)
    kind = django_filters.ChoiceFilter(label="Kind", choices=EventKind.choices, empty_label="Any")
    occurred_after = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__gte",
        label="From (YYYY-MM-DD)",
        widget=forms.DateInput,
    )
    occurred_before = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__lte",
        label="To (YYYY-MM-DD)",
        widget=forms.DateInput,
    )

    class Meta:
        model = AuditEvent
        fields = [
            "person_id",
            "user",
            "username",
            "organisation",
            "object_type",
            "object_id",
            "kind",
            "action",
            "recipient_organisation",
            "channel",
            "occurred_after",
            "occurred_before",
        ]
