"""The OpenAPI description of errors.

drf-standardized-errors lists, per endpoint, the fields and codes its request serializer can
reject. Our rules live in the services, which also name fields (``consent``, ``pathway``
with an eligibility code, ...), so every endpoint documents the general validation error
shape instead: one list of ``{code, detail, attr}``.
"""

from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from drf_standardized_errors.openapi_serializers import ValidationErrorResponseSerializer


class AutoSchema(StandardizedErrorsAutoSchema):
    def _should_add_validation_error_response(self) -> bool:
        return True

    def _get_serializer_for_validation_error_response(self):
        return ValidationErrorResponseSerializer
