"""Secrets and encryption keys, read from the environment.

Three separate secrets: Django's ``SECRET_KEY``; ``FIELD_ENCRYPTION_KEYS``, a comma-separated
list of 256-bit AES keys (newest first: values are encrypted with the first and decrypted
with whichever key wrote them); and ``BLIND_INDEX_KEY``, the HMAC key for exact-match
look-ups, kept apart so that a leaked index key does not expose ciphertext and vice versa.

Run ``python -m config.keys`` to print a fresh set for a new environment.
"""

import base64
import binascii
import json
import os
import secrets
import sys
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_NAMES = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY")
DEV_KEYS_FILENAME = "dev-keys.json"


def generate_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def generate_secret_key() -> str:
    return secrets.token_urlsafe(50)


def decode_key(value: str, *, name: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(value.strip().encode())
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured(f"{name} holds a value that is not url-safe base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{name} keys must be 32 bytes (256 bits) of url-safe base64")
    return raw


def _generate_all() -> dict[str, str]:
    return {
        "SECRET_KEY": generate_secret_key(),
        "FIELD_ENCRYPTION_KEYS": generate_key(),
        "BLIND_INDEX_KEY": generate_key(),
    }


def _development_keys(var_dir: Path, missing: list[str]) -> dict[str, str]:
    path = var_dir / DEV_KEYS_FILENAME
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text())
    if any(name not in stored for name in missing):
        fresh = _generate_all()
        stored = {name: stored.get(name, fresh[name]) for name in KEY_NAMES}
        var_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(json.dumps(stored, indent=2))
        banner = "!" * 78
        sys.stderr.write(
            f"\n{banner}\n"
            f"  DEVELOPMENT KEYS GENERATED in {path}\n"
            f"  ({', '.join(missing)} unset). Fine for a laptop; NEVER for real data.\n"
            f"  Losing this file makes every encrypted value in this database unreadable.\n"
            f"{banner}\n\n"
        )
    return stored


def refusal(missing: list[str]) -> str:
    return (
        f"Refusing to start with DEBUG off: {', '.join(missing)} must be set in the "
        "environment (python -m config.keys prints a fresh set)."
    )


def load_keys(*, debug: bool, var_dir: Path, environ=os.environ) -> dict:
    """Return the validated secrets, and the names of any that are missing.

    With DEBUG off a missing secret is not invented. Settings still load, so commands that
    need no secret (``makemigrations --check``, ``check``) run anywhere; but the web service
    refuses to start (``refuse_to_serve_without_secrets``), ``check --deploy`` fails, and any
    use of a missing key raises. A secret that is given but weak or malformed is refused at
    once.
    """
    values = {name: environ.get(name, "").strip() for name in KEY_NAMES}
    missing = [name for name, value in values.items() if not value]
    if missing and debug:
        stored = _development_keys(var_dir, missing)
        values = {name: values[name] or stored[name] for name in KEY_NAMES}
        missing = []

    secret_key = values["SECRET_KEY"]
    if (
        secret_key
        and not debug
        and (len(secret_key) < 50 or secret_key.startswith("django-insecure"))
    ):
        raise ImproperlyConfigured(
            "SECRET_KEY is too short or a default; use 50+ random characters"
        )

    encryption_keys = [
        decode_key(part, name="FIELD_ENCRYPTION_KEYS")
        for part in values["FIELD_ENCRYPTION_KEYS"].split(",")
        if part.strip()
    ]
    if values["FIELD_ENCRYPTION_KEYS"] and not encryption_keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must hold at least one key")
    blind_index_key = b""
    if values["BLIND_INDEX_KEY"]:
        blind_index_key = decode_key(values["BLIND_INDEX_KEY"], name="BLIND_INDEX_KEY")
    if blind_index_key and blind_index_key in encryption_keys:
        raise ImproperlyConfigured("BLIND_INDEX_KEY must differ from every encryption key")
    return {
        "SECRET_KEY": secret_key,
        "FIELD_ENCRYPTION_KEYS": encryption_keys,
        "BLIND_INDEX_KEY": blind_index_key,
        "MISSING": missing,
    }


def refuse_to_serve_without_secrets() -> None:
    """Called where the service starts (WSGI, ASGI): no request is served without keys."""
    from django.conf import settings

    if settings.MISSING_SECRETS:
        raise ImproperlyConfigured(refusal(settings.MISSING_SECRETS))


def check_secrets(app_configs=None, **kwargs):
    """``check --deploy``: every secret is set."""
    from django.conf import settings
    from django.core.checks import Error

    if settings.MISSING_SECRETS:
        return [Error(refusal(settings.MISSING_SECRETS), id="svp.E001")]
    return []


if __name__ == "__main__":
    for name, value in _generate_all().items():
        print(f"{name}={value}")
