"""The API's one error format (drf-standardized-errors): errors that services raise in
Django's own terms, and answers for URLs that match no view (JSON under /api/, the GOV.UK
page elsewhere)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views.defaults import page_not_found, server_error
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


def api_error(
    status: int, code: str, detail: str, *, attr: str | None = None, type_: str | None = None
) -> JsonResponse:
    """The one error shape, for answers made outside DRF."""
    body = {
        "type": type_ or ("client_error" if status < 500 else "server_error"),
        "errors": [{"code": code, "detail": detail, "attr": attr}],
    }
    return JsonResponse(body, status=status)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return api_error(404, "not_found", "Not found.")
    return page_not_found(request, exception)


def server_failure(request):
    if request.path.startswith("/api/"):
        return api_error(500, "error", "Server Error (500)")
    return server_error(request)
