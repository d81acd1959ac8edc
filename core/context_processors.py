from django.utils.functional import SimpleLazyObject

from core.navigation import sections_for


def navigation(request):
    """The service navigation for the signed-in, second-factor-verified user; worked out
    only if a template asks for it."""
    user = getattr(request, "user", None)
    # A user signed in by an API token has no second-factor state (django-otp marks only
    # session users); the navigation is for the web pages' people.
    verified = getattr(user, "is_verified", None)
    if user is None or not user.is_authenticated or verified is None or not verified():
        return {"navigation": ()}
    return {"navigation": SimpleLazyObject(lambda: sections_for(user, request.path))}
