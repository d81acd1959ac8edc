"""Answers for URLs that match no view: JSON in the API's error shape under /api/, the
GOV.UK page elsewhere."""

from django.http import JsonResponse
from django.views.defaults import page_not_found, server_error


def _api_error(status, code, detail):
    body = {
        "type": "client_error" if status < 500 else "server_error",
        "errors": [{"code": code, "detail": detail, "attr": None}],
    }
    return JsonResponse(body, status=status)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return _api_error(404, "not_found", "Not found.")
    return page_not_found(request, exception)


def server_failure(request):
    if request.path.startswith("/api/"):
        return _api_error(500, "error", "Server Error (500)")
    return server_error(request)
