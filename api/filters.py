"""Strict list filters: a value the filter cannot read is a 400 naming it, never ignored.

django-filter reads a boolean it does not recognise (``?missed_contacts_flag=null``) as "no
filter", and DRF's paginator falls back to the default page size on ``?page_size=false``:
both answered 200 with a list that was not the one asked for. (``page_size`` is checked
for every API list in ``api.middleware.ApiPageSizeMiddleware``: not every list filters.)
"""

import copy

from django import forms
from django.db import models
from django_filters import filters, filterset, utils
from django_filters.constants import EMPTY_VALUES
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


class _SharedFields(dict):
    """A form's fields, shared by its instances: ``Form.__init__`` deep-copies
    ``base_fields`` so that a page may change a field for one request; a filter form only
    validates the query string, changes no field, and the copy (choices, widgets, error
    messages) cost a list request more than its filtering."""

    def __deepcopy__(self, memo):
        return dict(self)


class _ShallowFilters(dict):
    """A filter set's filters, copied one level down for each request: ``FilterSet.__init__``
    deep-copies them (choices, lookups, the form fields they made) only to give each
    request filters of its own to point at it (``parent``, ``model``), which a copy of each
    filter (and of its keyword arguments) gives as well. A filter with a ``method`` gets its
    own ``FilterMethod``, pointing at the copy (so at this request's filter set)."""

    def __deepcopy__(self, memo):
        copies = {}
        for name, original in self.items():
            one = copy.copy(original)
            # Its own keyword arguments: a filter whose choices depend on the request writes
            # them there.
            one.extra = dict(original.extra)
            if original.method is not None:
                one.method = original.method
            copies[name] = one
        return copies


class StrictFilterSet(filterset.FilterSet):
    FILTER_DEFAULTS = {
        **filterset.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }

    @classmethod
    def get_filters(cls):
        return _ShallowFilters(super().get_filters())

    def get_form_class(self):
        """The form, built once for the filter set rather than on every request, unless a
        filter's choices depend on the request (a callable ``queryset``: who asks decides
        which records may be named)."""
        cls = type(self)
        form = cls.__dict__.get("_shared_form")
        if form is not None:
            return form
        form = super().get_form_class()
        if any(callable(getattr(f, "queryset", None)) for f in cls.base_filters.values()):
            return form
        form.base_fields = _SharedFields(form.base_fields)
        cls._shared_form = form
        return form


class StrictFilterBackend(DjangoFilterBackend):
    filterset_base = StrictFilterSet


def filters_asked(view, request, model) -> dict | None:
    """The list filters ``request`` asks for, validated as the filter backend validates
    them (a 400 naming a value it cannot read), for a list whose query is kept compiled
    (``core.compiled``): each name with its value (a record by its primary key, a choice of
    several in order), or None when one is not among the view's ``compiled_filters`` (a
    value its filter transforms, such as a day made a time: the list runs as a queryset).
    A list applies them with ``apply_filters``."""
    backend = StrictFilterBackend()
    filterset = backend.get_filterset(request, model.objects.none(), view)
    if filterset is None:
        return {}
    if not filterset.is_valid() and backend.raise_exception:
        raise utils.translate_validation(filterset.errors)
    asked = {}
    for name, value in filterset.form.cleaned_data.items():
        if value in EMPTY_VALUES:
            continue
        if name not in view.compiled_filters:
            return None
        if isinstance(value, models.Model):
            value = value.pk
        elif isinstance(value, list | tuple):
            value = sorted(value)
        asked[name] = value
    return asked


def apply_filters(filterset_class, queryset, asked: dict):
    """``filters_asked``'s filters on ``queryset``, in the filter set's order, as its
    ``filter_queryset`` applies them."""
    for name, flt in filterset_class.base_filters.items():
        if name in asked:
            queryset = flt.filter(queryset, asked[name])
    return queryset
