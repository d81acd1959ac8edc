"""Serializers that refuse fields they do not know.

DRF drops unknown keys silently, so a client's typo (``consent_givn``) or a field it hoped
to set (``status``) vanished without a word. Every serializer in the API derives from these:
a body naming a field the operation does not take is a 400 naming that field.
"""

from collections.abc import Mapping

from rest_framework import serializers

UNKNOWN_FIELD = "unknown_field"


class RejectUnknownFieldsMixin:
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {key: ["This field is not accepted here."] for key in unknown},
                    code=UNKNOWN_FIELD,
                )
        return super().to_internal_value(data)


class Serializer(RejectUnknownFieldsMixin, serializers.Serializer):
    pass


class ModelSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    pass
