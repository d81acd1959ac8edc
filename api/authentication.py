import datetime

from django.db import connection
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from api.models import ApiToken, hash_token
from partners.models import Membership, Organisation, User
from partners.selectors import remember_memberships

# Recording every use would turn each read into a write; a minute's precision is plenty.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def _columns(model, alias: str) -> tuple[list[str], str]:
    names = [f.attname for f in model._meta.concrete_fields]
    quote = connection.ops.quote_name
    return names, ", ".join(f"{alias}.{quote(model._meta.get_field(n).column)}" for n in names)


class HashedTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, checked against the stored SHA-256 of each key.

    Every API request pays for this, so it is one query: the usable token with its user and
    the user's active memberships (the roles every permission rule asks about), where the
    ORM made two and compiled both each time. SHA-256, not a slow password hasher, is
    right for a key of 256 random bits (``secrets.token_urlsafe(32)``): a slow hash guards
    guessable secrets, and no one can enumerate 2^256 keys; the digest is looked up
    through the unique index on ``key_hash``, so a wrong key costs one index probe."""

    keyword = "Token"
    _sql: str | None = None
    _names: tuple = ()

    @classmethod
    def _query(cls):
        if cls._sql is None:
            token_names, token_sql = _columns(ApiToken, "t")
            user_names, user_sql = _columns(User, "u")
            membership_names, membership_sql = _columns(Membership, "m")
            organisation_names, organisation_sql = _columns(Organisation, "o")
            cls._names = (token_names, user_names, membership_names, organisation_names)
            cls._sql = (
                f"SELECT {token_sql}, {user_sql}, {membership_sql}, {organisation_sql} "  # noqa: S608 - names from the models
                f"FROM {ApiToken._meta.db_table} t "
                f"JOIN {User._meta.db_table} u ON u.id = t.user_id "
                f"LEFT JOIN ({Membership._meta.db_table} m "
                f"JOIN {Organisation._meta.db_table} o "
                "ON o.id = m.organisation_id AND o.active) "
                "ON m.user_id = u.id AND m.ended_at IS NULL "
                "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s "
                "ORDER BY o.name, m.role"
            )
        return cls._sql, cls._names

    def authenticate_credentials(self, key):
        now = timezone.now()
        sql, (token_names, user_names, membership_names, organisation_names) = self._query()
        with connection.cursor() as cursor:
            cursor.execute(sql, [hash_token(key), now])
            rows = cursor.fetchall()
        if not rows:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token")
        db = connection.alias
        first = rows[0]
        ends = [len(token_names)]
        for names in (user_names, membership_names, organisation_names):
            ends.append(ends[-1] + len(names))
        token = ApiToken.from_db(db, token_names, first[: ends[0]])
        user = User.from_db(db, user_names, first[ends[0] : ends[1]])
        if not user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token")
        token.user = user
        memberships = []
        for row in rows:
            if row[ends[1]] is None:  # no active membership in an active organisation
                continue
            membership = Membership.from_db(db, membership_names, row[ends[1] : ends[2]])
            membership.organisation = Organisation.from_db(
                db, organisation_names, row[ends[2] : ends[3]]
            )
            membership.user = user
            memberships.append(membership)
        remember_memberships(user, memberships)
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return user, token


class CsrfCheckedSessionAuthentication(SessionAuthentication):
    """DRF's session sign-in, its CSRF check run on Django's request instead of DRF's.

    Django's check looks for a form's ``csrfmiddlewaretoken`` in ``request.POST``. On DRF's
    request that parses the body with the API's parsers, JSON included, while
    authenticating: a refused user sending malformed JSON heard a 400 before any permission
    was asked. Django's ``request.POST`` reads only form bodies; a JSON client sends the
    token in the ``X-CSRFToken`` header, which both check the same way."""

    def enforce_csrf(self, request):
        return super().enforce_csrf(request._request)
