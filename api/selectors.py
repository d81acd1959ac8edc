"""Which API tokens a user may list: their own, or everyone's for an administrator."""

from django.db.models import QuerySet

from api.models import ApiToken
from api.permissions import can


def api_tokens_visible_to(user) -> QuerySet:
    if can(user, "api_token.manage_any"):
        return ApiToken.objects.select_related("user")
    return ApiToken.objects.filter(user=user)
