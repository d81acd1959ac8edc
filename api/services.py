import datetime
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken, hash_token
from audit.models import EventKind
from audit.recorder import build_event, emit
from partners.models import User
from partners.roles import Role
from partners.selectors import user_has_role


@transaction.atomic
def api_token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for the user. The raw token is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[:8],
        key_hash=hash_token(raw),
        expires_at=timezone.now() + datetime.timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS),
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    if token.user_id != actor.pk and not user_has_role(actor, Role.ADMIN):
        raise PermissionDenied("Only the token's owner or an administrator can revoke it")
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
