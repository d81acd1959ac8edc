import time

from django.conf import settings
from django.contrib.auth import logout

from core.middleware import SESSION_RENEWED

SESSION_STARTED = "_signed_in_at"


def session_clocks_start(sender, request, user, **kwargs):
    """Signing in starts a session's clocks, in the save that signing in makes: its 10
    hours (``SessionLifetimeMiddleware``) and its idle timeout (renewed once a minute by
    ``core.middleware.SessionMiddleware``), so the first page after it writes nothing."""
    session = getattr(request, "session", None)
    if session is not None:
        now = time.time()
        session[SESSION_STARTED] = now
        session[SESSION_RENEWED] = now


class SessionLifetimeMiddleware:
    """End a web session 10 hours after sign-in, however active it has been."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            started = request.session.get(SESSION_STARTED)
            if started is None:
                request.session[SESSION_STARTED] = time.time()
            elif time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Every web page needs a second factor: until the user has proved one this session,
    they are sent to enrol (first sign-in) or to enter a code. The API uses its own tokens."""

    OPEN_PREFIXES = ("/api/", "/assets/", "/sign-in/", "/sign-out/", "/two-factor/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.OPEN_PREFIXES)
        ):
            from django.shortcuts import redirect
            from django.utils.http import urlencode

            return redirect(f"/two-factor/?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
