"""Serializers that refuse fields they do not know.

DRF drops unknown keys silently, so a client's typo (``consent_givn``) or a field it hoped
to set (``status``) vanished without a word. Every serializer in the API derives from these:
a body naming a field the operation does not take is a 400 naming that field. Operations
that take no body at all have no serializer to ask: they call ``refuse_body``.
"""

from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.settings import api_settings

UNKNOWN_FIELD = "unknown_field"


def _refuse_unknown(names) -> None:
    if names:
        raise serializers.ValidationError(
            {name: ["This field is not accepted here."] for name in names}, code=UNKNOWN_FIELD
        )


class RejectUnknownFieldsMixin:
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            _refuse_unknown(sorted(str(key) for key in data if key not in self.fields))
        return super().to_internal_value(data)


def refuse_body(request) -> None:
    """For an operation that takes no body (``@extend_schema(request=None)``, a DELETE): a
    body naming fields is a 400 naming each, as a serializer refuses a field it does not
    know; no body, or ``{}``, is fine. It parses the body, so it comes after the handler's
    ``require(...)``: a refused caller hears the refusal whatever they sent."""
    data = request.data
    if isinstance(data, Mapping):
        _refuse_unknown(sorted(str(key) for key in data))
        return
    # JSON that is not an object (a list, a number, null) has no field to name.
    raise serializers.ValidationError(
        {api_settings.NON_FIELD_ERRORS_KEY: ["This operation takes no body."]}, code="invalid"
    )


class Serializer(RejectUnknownFieldsMixin, serializers.Serializer):
    pass


class ModelSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    pass
