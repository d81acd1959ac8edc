"""``EMAIL_URL``: the email settings in one variable, as ``DATABASE_URL`` is for the database.

- ``smtp://user:password@host:587?tls=1`` (or ``smtps://`` for SSL on connect, port 465 by
  default); user and password are percent-encoded where they hold ``@``, ``:`` or ``/``;
- ``console://`` prints emails, ``file:///path/to/folder`` writes them there,
  ``locmem://`` keeps them in memory, ``dummy://`` drops them.
"""

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
TRUE = {"1", "true", "yes", "on"}


def parse_email_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme not in BACKENDS:
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with one of {', '.join(s + '://' for s in BACKENDS)}"
        )
    settings = {"EMAIL_BACKEND": BACKENDS[parts.scheme]}
    if parts.scheme == "file":
        settings["EMAIL_FILE_PATH"] = unquote(parts.path)
        return settings
    if parts.scheme not in {"smtp", "smtps"}:
        return settings
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    try:
        port = parts.port
    except ValueError as exc:
        raise ImproperlyConfigured("EMAIL_URL has a port that is not a number") from exc
    ssl = parts.scheme == "smtps" or query.get("ssl", "").lower() in TRUE
    settings.update(
        EMAIL_HOST=parts.hostname or "localhost",
        EMAIL_PORT=port or (465 if ssl else 25),
        EMAIL_HOST_USER=unquote(parts.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
        EMAIL_USE_SSL=ssl,
        EMAIL_USE_TLS=not ssl and query.get("tls", "").lower() in TRUE,
    )
    return settings
