"""The API's addresses: canonical without a trailing slash, and still answered with one.

OpenAPI tooling (Spectral's ``path-keys-no-trailing-slash``) wants paths without a trailing
slash, and ``/api/v1/people`` is the address the schema lists and ``reverse()`` gives. Every
client written before that used ``/api/v1/people/``: each route also matches with one
trailing slash, served by the same view (no redirect, which would turn a POST into a GET in
some clients), so nothing they do changes. Code that compares whole API paths as text (the
Idempotency-Key fingerprint) goes through ``canonical_path``; the checks of the ``/api/``
prefix (middleware, audit channel, sign-in lockout, two-factor exemption) hold for both.
"""

from django.urls import URLPattern
from django.urls.resolvers import RoutePattern
from rest_framework.routers import SimpleRouter

# Appended to a route's regular expression: the one trailing slash is optional.
OPTIONAL_SLASH = "/?"


def canonical_path(path: str) -> str:
    """``/api/v1/people/`` and ``/api/v1/people`` are one address: the latter."""
    return path.rstrip("/") or "/"


class Router(SimpleRouter):
    """DRF's router with ``^people/?$`` where it wrote ``^people/$``; its ``reverse()`` is
    ``people`` (Django reverses an optional part as absent)."""

    def __init__(self):
        super().__init__()
        # SimpleRouter takes only a flag (a slash or nothing); the regular expression is
        # what it formats into each route.
        self.trailing_slash = OPTIONAL_SLASH


class _OptionalSlashRoute(RoutePattern):
    """A ``path()`` route (converters and all) that also matches with one trailing slash.
    Its text, which drf-spectacular prints as the schema's path, has none."""

    def __init__(self, route, name=None, is_endpoint=False):
        super().__init__(route.removesuffix("/"), name=name, is_endpoint=is_endpoint)
        if is_endpoint:
            self._regex = self._regex.removesuffix(r"\Z") + OPTIONAL_SLASH + r"\Z"


def api_path(route: str, view, *, name: str) -> URLPattern:
    """``path()`` for the API: ``api_path("me", ...)`` answers ``me`` and ``me/``."""
    return URLPattern(_OptionalSlashRoute(route, name=name, is_endpoint=True), view, name=name)
