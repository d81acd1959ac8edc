import datetime

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from api.models import ApiToken, hash_token

# Recording every use would turn each read into a write; a minute's precision is plenty.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class HashedTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, checked against the stored SHA-256 of each key."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        now = timezone.now()
        token = (
            ApiToken.objects.usable(now=now)
            .select_related("user")
            .filter(key_hash=hash_token(key))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token")
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
