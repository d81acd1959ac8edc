"""Strict list filters: a value the filter cannot read is a 400 naming it, never ignored.

django-filter reads a boolean it does not recognise (``?missed_contacts_flag=null``) as "no
filter", and DRF's paginator falls back to the default page size on ``?page_size=false``:
both answered 200 with a list that was not the one asked for.
"""

from django import forms
from django.conf import settings
from django.db import models
from django_filters import filters, filterset
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

TRUE_VALUES = {"true", "True", "1"}
FALSE_VALUES = {"false", "False", "0"}


class StrictBooleanField(forms.Field):
    default_error_messages = {"invalid": "Must be true or false."}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value is True or value in TRUE_VALUES:
            return True
        if value is False or value in FALSE_VALUES:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class StrictFilterSet(filterset.FilterSet):
    FILTER_DEFAULTS = {
        **filterset.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


def validated_page_size(request, paginator) -> None:
    """400 for a ``page_size`` that is not a positive whole number (a larger one than the
    maximum is served at the maximum, as the README says)."""
    name = getattr(paginator, "page_size_query_param", None)
    if not name or name not in request.query_params:
        return
    raw = request.query_params[name]
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValidationError(
            {name: [f"Must be a whole number (at most {settings.API_MAX_PAGE_SIZE} are served)."]},
            code="invalid",
        )


class StrictFilterBackend(DjangoFilterBackend):
    filterset_base = StrictFilterSet

    def filter_queryset(self, request, queryset, view):
        validated_page_size(request, getattr(view, "paginator", None))
        return super().filter_queryset(request, queryset, view)
