import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken, hash_token
from api.permissions import require
from audit.models import EventKind
from audit.recorder import build_event, emit
from core.text import bounded_text
from partners.models import User

TOKEN_NAME_MAX_LENGTH = 100


@transaction.atomic
def api_token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for the user. The raw token is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=bounded_text(name, field="name", max_length=TOKEN_NAME_MAX_LENGTH),
        prefix=raw[:8],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + datetime.timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS),
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    require(actor, "api_token.revoke", token)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        if token.user_id != actor.pk:
            # Someone else's credential: a security event for the audit trail.
            emit(
                [
                    build_event(
                        kind=EventKind.SECURITY,
                        user=actor,
                        action="revoke_api_token",
                        object_type="api_token",
                        object_id=token.pk,
                        details={"token_user": token.user_id, "prefix": token.prefix},
                    )
                ]
            )
    return token


def prune_expired_api_tokens(*, now: datetime.datetime | None = None) -> int:
    """Delete tokens past their expiry, revoked or not: an expired token authenticates nobody,
    and its row only says who once held one. Returns how many went."""
    deleted, _ = ApiToken.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
