"""Encryption at rest and blind indexes for personal data.

Values are sealed with AES-256-GCM. A sealed value is text of the form
``v1.<key id>.<base64url(nonce + ciphertext)>``: the key id (a short digest of the key,
never the key) says which of ``FIELD_ENCRYPTION_KEYS`` wrote it, so old keys keep working
after rotation and ``rotate_keys`` can find the rows still under an old key with SQL alone.

Exact-match search uses keyed HMAC-SHA256 "blind indexes" over normalised values, under
``BLIND_INDEX_KEY``; each index has its own domain label so equal values in different
fields give unrelated digests.
"""

import base64
import hashlib
import hmac
import os
import re
import unicodedata
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORMAT_VERSION = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value cannot be opened: unknown key, or the ciphertext was altered."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"svp-field-key-id:" + key).hexdigest()[:8]


@lru_cache(maxsize=8)
def _keyring(keys: tuple[bytes, ...]) -> tuple[str, dict[str, AESGCM]]:
    ring = {key_id(key): AESGCM(key) for key in keys}
    return key_id(keys[0]), ring


def keyring() -> tuple[str, dict[str, AESGCM]]:
    if not settings.FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is not set: personal data cannot be read")
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS))


def current_key_prefix() -> str:
    """The text every value sealed under the newest key starts with."""
    primary, _ = keyring()
    return f"{FORMAT_VERSION}.{primary}."


def seal(plaintext: str) -> str:
    primary, ring = keyring()
    header = f"{FORMAT_VERSION}.{primary}."
    nonce = os.urandom(NONCE_BYTES)
    # The header is authenticated too, so a value cannot be relabelled with another key id.
    ciphertext = ring[primary].encrypt(nonce, plaintext.encode("utf-8"), header.encode())
    return header + base64.urlsafe_b64encode(nonce + ciphertext).decode("ascii")


def bulk_sealer(*, block: int = 4096):
    """A ``seal`` for loading many values at once (a generated partnership, a migration):
    the key is looked up once and nonces are drawn from the OS a block at a time. Each value
    still gets its own random nonce, and the output is exactly what ``seal`` writes."""
    primary, ring = keyring()
    header = f"{FORMAT_VERSION}.{primary}."
    associated = header.encode()
    encrypt = ring[primary].encrypt
    encode = base64.urlsafe_b64encode
    pool = b""
    offset = 0

    def seal_one(plaintext: str) -> str:
        nonlocal pool, offset
        if offset + NONCE_BYTES > len(pool):
            pool, offset = os.urandom(NONCE_BYTES * block), 0
        nonce = pool[offset : offset + NONCE_BYTES]
        offset += NONCE_BYTES
        ciphertext = encrypt(nonce, plaintext.encode("utf-8"), associated)
        return header + encode(nonce + ciphertext).decode("ascii")

    return seal_one


def open_sealed(token: str, *, ring: dict[str, AESGCM] | None = None) -> str:
    """The plaintext of a sealed value; ``ring`` (from ``keyring()``) spares a caller opening
    many values the key lookup each time."""
    try:
        version, kid, body = token.split(".", 2)
    except ValueError as exc:
        raise DecryptionError("not a sealed value") from exc
    if version != FORMAT_VERSION:
        raise DecryptionError(f"unknown format {version!r}")
    if ring is None:
        _, ring = keyring()
    cipher = ring.get(kid)
    if cipher is None:
        raise DecryptionError(f"no key with id {kid!r} in FIELD_ENCRYPTION_KEYS")
    raw = base64.urlsafe_b64decode(body.encode("ascii"))
    try:
        plaintext = cipher.decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], f"{version}.{kid}.".encode()
        )
    except InvalidTag as exc:
        raise DecryptionError("ciphertext failed authentication") from exc
    return plaintext.decode("utf-8")


# --- Normalisation and blind indexes ---------------------------------------------------

# Spaces, hyphens and dashes of every kind, apostrophes and full stops.
_NAME_NOISE = re.compile(r"[\s\-\u2010-\u2015'\u2018\u2019`.]+")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def normalise_name(value: str) -> str:
    """Fold case, accents, spaces, hyphens and apostrophes: "O'Brien-Núñez" == "obrien nunez"."""
    decomposed = unicodedata.normalize("NFKD", value)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NAME_NOISE.sub("", without_marks).casefold()


def normalise_identifier(value: str) -> str:
    return _NOT_ALNUM.sub("", value.upper())


def blind_index(domain: str, normalised: str) -> str:
    if not settings.BLIND_INDEX_KEY:
        raise ImproperlyConfigured("BLIND_INDEX_KEY is not set: people cannot be matched")
    digest = hmac.new(
        settings.BLIND_INDEX_KEY, f"{domain}\x00{normalised}".encode(), hashlib.sha256
    )
    return digest.hexdigest()
