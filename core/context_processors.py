from django.utils.functional import SimpleLazyObject

from core.navigation import sections_for


def navigation(request):
    """The service navigation for the signed-in, second-factor-verified user; worked out
    only if a template asks for it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_verified():
        return {"navigation": ()}
    return {"navigation": SimpleLazyObject(lambda: sections_for(user, request.path))}
