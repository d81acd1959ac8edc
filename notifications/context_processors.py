from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_count


def unread_notifications(request):
    """The header's unread count: one query, made only when a page's header shows it (for
    web users past the second factor, as the navigation)."""
    user = getattr(request, "user", None)
    verified = getattr(user, "is_verified", None)
    if user is None or not user.is_authenticated or verified is None or not verified():
        return {"unread_notifications": None}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
