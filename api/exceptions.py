"""One error format for the whole API (drf-standardized-errors), including the errors that
service functions raise in Django's own terms."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error

from core.errors import ConflictError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = ConflictError.default_message
    default_code = "conflict"


class ServiceExceptionHandler(ExceptionHandler):
    def convert_known_exceptions(self, exc):
        if isinstance(exc, DjangoValidationError):
            return exceptions.ValidationError(detail=as_serializer_error(exc))
        if isinstance(exc, ConflictError):
            return Conflict(detail=exc.message)
        return super().convert_known_exceptions(exc)
