"""Reads about who a user is in the partnership.

A request asks these questions many times; the user's active memberships are loaded once
and kept on the user object for the rest of the request.
"""

from collections.abc import Iterable

from django.db.models import F, Prefetch, Q

from core.actors import is_system
from core.compiled import compiled_query
from core.errors import field_error
from partners.models import Area, Membership, Organisation, User
from partners.roles import role_grants

_CACHE_ATTRIBUTE = "_active_memberships_cache"


def active_memberships(user: User) -> list[Membership]:
    # The system holds no role anywhere: it acts only where code names it.
    if not getattr(user, "is_authenticated", False) or is_system(user):
        return []
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = _active_memberships.rows(user_id=user.pk)
        setattr(user, _CACHE_ATTRIBUTE, cached)
    return cached


@compiled_query
def _active_memberships(shape, *, user_id):
    """Every signed-in page asks this first: kept compiled (``core.compiled``)."""
    return (
        Membership.objects.active()
        .filter(user=user_id, organisation__active=True)
        .select_related("organisation")
        .order_by("organisation__name", "role")
    )


def remember_memberships(user: User, memberships: list[Membership]) -> None:
    """Keep memberships loaded with the user (by the API's token check, in the same query)
    as ``active_memberships`` would have loaded them: active, in active organisations,
    with their organisation, ordered by organisation name then role."""
    setattr(user, _CACHE_ATTRIBUTE, memberships)


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


# The areas a partnership organisation covers: a countywide one covers every local area.
LOCAL_AREAS = frozenset(area for area in Area.values if area != Area.COUNTYWIDE)


def organisation_where_holding(
    user: User, roles: Iterable[str], *, organisation: Organisation | None = None
) -> Organisation | None:
    """The organisation in which ``user`` holds one of ``roles`` (``organisation`` itself, if
    named), or None: whether someone named in a request can fill the part they are named for."""
    roles = set(roles)
    for membership in active_memberships(user):
        if membership.role in roles and (
            organisation is None or membership.organisation_id == organisation.pk
        ):
            return membership.organisation
    return None


def covered_areas(area: str) -> set[str]:
    return set(LOCAL_AREAS) if area == Area.COUNTYWIDE else {area}


def areas_where(user: User, roles: Iterable[str]) -> set[str]:
    """The local areas in which the user holds one of these roles (countywide covers all)."""
    wanted = set(roles)
    areas: set[str] = set()
    for membership in active_memberships(user):
        if membership.role in wanted:
            areas |= covered_areas(membership.organisation.area)
    return areas


def acting_organisation(
    user, permission: str, organisation: Organisation | None = None
) -> Organisation:
    """The organisation the user acts for in a write that needs ``permission``.

    Someone acting for one such organisation need not say which; someone acting for several
    must. The system names the organisation it acts for. Whether the user may act at all is
    the caller's rule to require first.
    """
    if is_system(user):
        if organisation is None:
            raise field_error("organisation", "Say which organisation this is for", "required")
        return organisation
    allowed = organisations_where_user_can(user, permission)
    if organisation is None:
        if len(allowed) > 1:
            raise field_error(
                "organisation", "You act for more than one organisation: say which one", "required"
            )
        if not allowed:
            raise field_error(
                "organisation", "You do not hold a role that allows this anywhere", "invalid"
            )
        return allowed[0]
    if organisation.pk not in {org.pk for org in allowed}:
        raise field_error(
            "organisation",
            "You do not hold a role that allows this in that organisation",
            "invalid",
        )
    return organisation


def users_for_administration(*, search: str = ""):
    """Everyone who can sign in, with their active memberships prefetched (one query for any
    number of rows), for the administrator's list; ``search`` matches a name or username."""
    users = User.objects.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.active()
            .select_related("organisation")
            .order_by("organisation__name", "role"),
            to_attr="active_memberships",
        )
    ).order_by("last_name", "first_name", "username")
    for word in search.split():
        users = users.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
        )
    return users


def memberships_of(user: User) -> list[Membership]:
    """All of a user's memberships, the active first, then the ended, newest first."""
    return list(
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by(F("ended_at").desc(nulls_first=True), "organisation__name", "role")
    )


def organisations_taking_members():
    """The organisations a role can be given in: those still in the partnership."""
    return Organisation.objects.filter(active=True).order_by("name")
