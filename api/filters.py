"""Strict list filters: a value the filter cannot read is a 400 naming it, never ignored.

django-filter reads a boolean it does not recognise (``?missed_contacts_flag=null``) as "no
filter", and DRF's paginator falls back to the default page size on ``?page_size=false``:
both answered 200 with a list that was not the one asked for. (``page_size`` is checked
for every API list in ``api.middleware.ApiPageSizeMiddleware``: not every list filters.)
"""

from django import forms
from django.db import models
from django_filters import filters, filterset
from django_filters.rest_framework import DjangoFilterBackend

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


class StrictFilterBackend(DjangoFilterBackend):
    filterset_base = StrictFilterSet
