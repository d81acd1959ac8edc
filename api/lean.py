"""Read serializers that answer a page of rows without DRF's per-field machinery.

DRF's ``Serializer.to_representation`` asks each field for its value through a general
``get_attribute`` (sources with dots, dictionaries, callables, a missing attribute turned
into a default), field by field, row by row: for a list of 25 referrals most of the
serializer's time. ``LeanRepresentation`` plans the walk once per serializer (a list's one
child serializes every row): a field whose source is one plain attribute is read with
``getattr`` (or as a dictionary's key); anything else (a method field, a dotted or
callable source, a related field with its primary-key shortcut, a missing attribute) goes
through the field's own ``get_attribute`` as before. Every value is still shaped by the field's own
``to_representation``, so the answer and the documented schema are the same.

A serializer that sets ``lean_shared_fields`` reads nothing but the row: no method field, no
link, nothing from the context or the request. Its fields are then built once for the class
(from an instance holding no data) rather than for every request, which cost a list page
more than shaping its rows (a ``ModelSerializer`` builds each field from the model's). A
source that is a method taking no arguments (``__str__``) is called as DRF calls it, its
signature checked once per method rather than once per row.
"""

from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from rest_framework.fields import Field, SerializerMethodField, SkipField, is_simple_callable
from rest_framework.relations import HyperlinkedRelatedField, PKOnlyObject

_MISSING = object()
# Whether a method (by its function) takes no arguments but self: DRF calls it, then.
_SIMPLE: dict = {}
# The plans of the serializers whose fields are shared, by class.
_SHARED: dict = {}
# Fields that read more than the row: the serializer's context, its parent, the request.
_CONTEXTUAL = (SerializerMethodField, HyperlinkedRelatedField)


class LeanRepresentation:
    lean_shared_fields = False

    def _lean_plan(self) -> list:
        plan = self.__dict__.get("_lean")
        if plan is None:
            cls = type(self)
            if cls.__dict__.get("lean_shared_fields"):
                plan = _SHARED.get(cls)
                if plan is None:
                    # Built on an instance of the class's own, bound to no data or parent.
                    plan = _SHARED[cls] = cls()._own_plan(shared=True)
            else:
                plan = self._own_plan()
            self._lean = plan
        return plan

    def _own_plan(self, *, shared: bool = False) -> list:
        if shared:
            contextual = [name for name, f in self.fields.items() if isinstance(f, _CONTEXTUAL)]
            if contextual:
                raise ImproperlyConfigured(
                    f"{type(self).__name__} shares its fields but {', '.join(contextual)} "
                    "read more than the row"
                )
        return [
            (
                field.field_name,
                field.source_attrs[0]
                if len(field.source_attrs) == 1 and type(field).get_attribute is Field.get_attribute
                else None,
                field,
            )
            for field in self._readable_fields
        ]

    def to_representation(self, instance):
        mapping = isinstance(instance, Mapping)
        answer = {}
        for name, attribute, field in self._lean_plan():
            value = _MISSING
            if attribute is not None:
                try:
                    value = instance[attribute] if mapping else getattr(instance, attribute)
                except ObjectDoesNotExist:
                    value = None
                except (KeyError, AttributeError):
                    value = _MISSING
                if callable(value):
                    value = _called(value)
            if value is _MISSING:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            present = value.pk if isinstance(value, PKOnlyObject) else value
            answer[name] = None if present is None else field.to_representation(value)
        return answer


def _called(method):
    """A method's value as DRF's ``get_attribute`` gives it, if it takes no arguments;
    otherwise ``_MISSING``, for the field's own ``get_attribute`` to decide."""
    function = getattr(method, "__func__", None)
    if function is None:
        return _MISSING
    simple = _SIMPLE.get(function)
    if simple is None:
        simple = _SIMPLE[function] = is_simple_callable(method)
    if not simple:
        return _MISSING
    try:
        return method()
    except (AttributeError, KeyError) as exc:
        # As DRF's get_attribute: a source that fails inside is not a missing attribute.
        raise ValueError(
            f"Exception raised in callable attribute {method!r}; original exception was: {exc}"
        ) from exc
