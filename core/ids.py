import uuid

from django.http import Http404


def parse_uuid(value) -> uuid.UUID | None:
    """A UUID from a URL or a filter, or None when the text is not one."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def parse_int(value) -> int | None:
    """An integer id from a URL or a body, or None when the text is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def uuid_or_404(value) -> uuid.UUID:
    parsed = parse_uuid(value)
    if parsed is None:
        raise Http404
    return parsed
