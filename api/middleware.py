"""HTTP-level guards for the API: the body cap and JSON answers in every mode.

DRF reads the request stream itself, so ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (which Django checks
only when it parses a form) never applied to a JSON body. The cap is enforced here, before
any view, parser, session or audit code runs: a declared ``Content-Length`` over the cap is
refused at once, and a body without one (chunked, under ASGI) is read through a stream that
refuses the byte after the cap.
"""

import logging

from django.conf import settings
from django.http import Http404
from django.urls import Resolver404, resolve
from rest_framework import status
from rest_framework.exceptions import APIException

from api.errors import api_error

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self, limit: int):
        super().__init__(detail=f"Request bodies are limited to {limit} bytes.")


def body_limit() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class CappedStream:
    """A request stream that refuses to yield more than ``limit`` bytes in all."""

    def __init__(self, stream, limit: int):
        self.stream, self.limit, self.read_so_far = stream, limit, 0

    def _count(self, chunk: bytes) -> bytes:
        self.read_so_far += len(chunk)
        if self.read_so_far > self.limit:
            raise RequestTooLarge(self.limit)
        return chunk

    def read(self, size=-1):
        # Never ask for more than one byte past the cap: that byte is the proof of excess.
        allowed = self.limit + 1 - self.read_so_far
        size = allowed if size is None or size < 0 else min(size, allowed)
        return self._count(self.stream.read(size))

    def readline(self, size=-1):
        allowed = self.limit + 1 - self.read_so_far
        size = allowed if size is None or size < 0 else min(size, allowed)
        return self._count(self.stream.readline(size))

    def __iter__(self):
        return iter(self.readline, b"")

    def close(self):
        # Django closes the stream once it has read ``request.body`` (an Idempotency-Key's
        # fingerprint reads it).
        self.stream.close()


class ApiBodyLimitMiddleware:
    """413 in the API's error shape for a body over the cap, before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            limit = body_limit()
            declared = request.META.get("CONTENT_LENGTH") or ""
            try:
                length = int(declared) if declared else None
            except ValueError:
                return api_error(400, "invalid_content_length", "Content-Length is not a number.")
            if length is not None and length > limit:
                too_large = RequestTooLarge(limit)
                return api_error(413, too_large.default_code, str(too_large.detail))
            if length is None and hasattr(request, "_stream"):
                request._stream = CappedStream(request._stream, limit)
        return self.get_response(request)


class ApiPageSizeMiddleware:
    """``?page_size=`` must be a whole number from 1 (a larger one than the maximum is served
    at the maximum, as the README says). DRF's paginator quietly fell back to the default
    size on ``?page_size=false``; checked here, it is checked for every list, whether or not
    the list also filters."""

    PARAMETER = "page_size"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX) and self.PARAMETER in request.GET:
            raw = request.GET[self.PARAMETER]
            if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
                return api_error(
                    400,
                    "invalid",
                    "Must be a whole number from 1 "
                    f"(at most {settings.API_MAX_PAGE_SIZE} are served).",
                    attr=self.PARAMETER,
                    type_="validation_error",
                )
        return self.get_response(request)


class ApiJsonAnswersMiddleware:
    """Every /api/ answer is JSON, DEBUG or not: an unknown address is the API's 404 (not
    Django's technical page), and an unhandled error its 500 (logged, as Django would)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX) and settings.DEBUG:
            try:
                resolve(request.path_info)
            except Resolver404:
                return api_error(404, "not_found", "Not found.")
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, Http404):
            return api_error(404, "not_found", "Not found.")
        if settings.DEBUG:
            logger.error("Unhandled error on %s", request.path, exc_info=exception)
            return api_error(500, "error", "Server Error (500)")
        return None
