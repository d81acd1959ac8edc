import time

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import Http404
from django.views.defaults import page_not_found

# A session's idle timeout is renewed at most this often; see SessionMiddleware.
SESSION_RENEWED = "_renewed_at"
SESSION_RENEWAL_SECONDS = 60


class StyledNotFoundMiddleware:
    """With DEBUG on, Django answers a missing record with its technical page, which has no
    way back into the service; people trying the demo follow ordinary links, so a page's
    own 404 is the service's styled one there too. Unknown addresses keep the technical
    page, which is what a developer needs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        wanted_styled = settings.DEBUG and not request.path.startswith("/api/")
        if wanted_styled and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer the service makes: almost every page and
    API answer can carry personal data, and neither a shared cache nor the browser's history
    may keep a copy (NCSC Cloud Security Principle 9, and OWASP ASVS 4.0 V8.2.1). Static
    assets are answered by WhiteNoise, above this middleware, with their own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, renewing a signed-in session's idle timeout (``SESSION_COOKIE_AGE``) at
    most once a minute rather than on every request: saving on every request would cost
    every page a write of the session row (three queries, and a row lock). The stored
    expiry and the cookie are set by the same save, so a session ends between 29 and 30
    minutes after its last use: never later than the rule says."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and session.accessed and not session.is_empty():
            now = time.time()
            if now - session.get(SESSION_RENEWED, 0) >= SESSION_RENEWAL_SECONDS:
                session[SESSION_RENEWED] = now
        return super().process_response(request, response)
