"""Reads about who a user is in the partnership.

A request asks these questions many times; the user's active memberships are loaded once
and kept on the user object for the rest of the request.
"""

from partners.models import Membership, Organisation, User
from partners.roles import role_grants

_CACHE_ATTRIBUTE = "_active_memberships_cache"


def active_memberships(user: User) -> list[Membership]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = list(
            Membership.objects.active()
            .filter(user=user, organisation__active=True)
            .select_related("organisation")
            .order_by("organisation__name", "role")
        )
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


def forget_memberships(user: User) -> None:
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def user_roles(user: User) -> set[str]:
    return {membership.role for membership in active_memberships(user)}


def user_has_role(user: User, role: str) -> bool:
    return role in user_roles(user)


def user_can(user: User, permission: str) -> bool:
    """Whether any of the user's active roles carries the model permission."""
    return any(role_grants(m.role, permission) for m in active_memberships(user))


def organisations_where_user_can(user: User, permission: str) -> list[Organisation]:
    """The organisations in which the user holds a role that carries the permission."""
    seen: dict[int, Organisation] = {}
    for membership in active_memberships(user):
        if role_grants(membership.role, permission):
            seen.setdefault(membership.organisation_id, membership.organisation)
    return list(seen.values())
