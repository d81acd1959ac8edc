"""The one audit search: the IG web page and the API filter the trail with this FilterSet."""

import datetime

import django_filters
from django import forms
from django.utils import timezone

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
    # Days in local time, as bounds on occurred_at itself (not on its date, which no index
    # serves): from the start of the first day to before the start of the day after the last.
    occurred_after = django_filters.DateFilter(
        method="from_day", label="From (YYYY-MM-DD)", widget=forms.DateInput
    )
    occurred_before = django_filters.DateFilter(
        method="to_day", label="To (YYYY-MM-DD)", widget=forms.DateInput
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

    @staticmethod
    def _start_of(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    def from_day(self, queryset, name, value):
        return queryset.filter(occurred_at__gte=self._start_of(value))

    def to_day(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=self._start_of(value + datetime.timedelta(days=1)))
