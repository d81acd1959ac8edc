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
