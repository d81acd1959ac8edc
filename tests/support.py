"""Helpers that more than one test module uses. Test modules import from here (or from
``tests.factories``), never from one another or from a conftest."""

from django.test import Client
from django.urls import URLResolver, get_resolver
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

# Every test user's password (``UserFactory``), for signing in through the real pages.
PASSWORD = "correct horse battery staple"


def url_names(patterns=None, namespace=""):
    """Every named URL of the project, with its namespaces (``api:case-detail``)."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from url_names(pattern.url_patterns, inner)
        elif pattern.name:
            yield namespace + pattern.name


class VerifiedClient(Client):
    """``force_login`` that also passes the second factor, as a real sign-in would."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()


def current_code(device) -> str:
    """The code the user's authenticator app shows now."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def date_parts(name: str, day) -> dict:
    """What a GOV.UK date input posts: day, month and year in three boxes."""
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}
