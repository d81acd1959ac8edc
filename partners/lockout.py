"""What someone locked out of signing in is told: the same words whatever the account."""

from django.http import JsonResponse
from django.shortcuts import render

MESSAGE = "Too many failed sign-ins: signing in is paused for 30 minutes."


def lockout_response(request, original_response=None, credentials=None):
    if request.path.startswith("/api/"):
        # The API's usual error shape (drf-standardized-errors).
        body = {
            "type": "client_error",
            "errors": [{"code": "throttled", "detail": MESSAGE, "attr": None}],
        }
        return JsonResponse(body, status=429)
    return render(request, "partners/locked_out.html", status=429)
