"""Exceptions that service functions raise, whatever calls them (API, web, commands).

Validation failures use Django's own ``ValidationError`` (with a field name wherever one
applies) and refusals use Django's ``PermissionDenied``; these add what Django lacks.
"""


class ConflictError(Exception):
    """The object changed since the caller read it; the caller must re-read and retry."""

    default_message = "This record was changed by someone else. Reload it and try again."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.default_message)
        self.message = message or self.default_message


def field_error(field: str, message: str, code: str):
    """A ``ValidationError`` on one field that keeps its machine-readable code."""
    from django.core.exceptions import ValidationError

    return ValidationError({field: ValidationError(message, code=code)})


def require_version(record, expected_version) -> None:
    """Optimistic concurrency: a change names the ``version`` it read.

    Missing is a 400 on ``version``; stale is a 409. Call it on the row locked for update.
    """
    if expected_version is None or expected_version == "":
        raise field_error("version", "Say which version you are changing", "required")
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise field_error("version", "A version is a whole number", "invalid") from None
    if record.version != expected:
        raise ConflictError()
