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

    def get_filter_backends(self):
        # A viewset's filters apply to its list only; its other GET actions (agenda,
        # attendance, decisions, timeline...) never read them, so they do not advertise them.
        if getattr(self.view, "action", "list") != "list":
            return []
        return super().get_filter_backends()
