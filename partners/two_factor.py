"""Two-factor sign-in with TOTP (django-otp): enrolment on first sign-in with a QR code,
recovery codes, and an administrator's audited reset."""

import secrets

import segno
from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import field_error
from partners.models import User
from partners.permissions import require

# Sent with ``actor``, ``user`` and ``reason`` once an administrator has reset someone's two
# factors, inside the reset's transaction. The audit app records it; partners, the base app,
# knows nothing of auditing.
two_factor_was_reset = Signal()


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator, made once and kept until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def qr_code_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#0b0c0c")


def manual_key(device: TOTPDevice) -> str:
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


@transaction.atomic
def enrol(*, request, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the authenticator with a first code; returns new recovery codes, shown once."""
    if not device.verify_token(token.strip().replace(" ", "")):
        raise field_error("token", "That code is not right: try the one showing now", "invalid")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_issue(user=device.user)
    otp_login(request, device)
    return codes


def recovery_codes_issue(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes")
    codes = [secrets.token_hex(5) for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def verify(*, request, token: str) -> None:
    """An authenticator code or a recovery code (each recovery code works once)."""
    device = match_token(request.user, token.strip().replace(" ", ""))
    if device is None:
        raise field_error("token", "That code is not right", "invalid")
    otp_login(request, device)


@transaction.atomic
def two_factor_reset(*, actor: User, user: User, reason: str) -> None:
    require(actor, "two_factor.reset")
    if not reason.strip():
        raise field_error(
            "reason", "Say why (for example: lost phone, identity checked)", "required"
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    two_factor_was_reset.send(sender=User, actor=actor, user=user, reason=reason.strip())
