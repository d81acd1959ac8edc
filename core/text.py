"""Free text that services accept: bounded and tidied by the service itself, so every
caller (API, web page, command, job) meets the same limit, not only the form."""

from core.errors import field_error


def bounded_text(
    value,
    *,
    field: str,
    max_length: int,
    required: bool = False,
    keep_lines: bool = False,
) -> str:
    """``value`` trimmed (and single-spaced unless ``keep_lines``), or a 400 on ``field``."""
    text = (value or "").strip() if keep_lines else " ".join(str(value or "").split())
    if required and not text:
        raise field_error(field, "This field is required", "required")
    if len(text) > max_length:
        raise field_error(field, f"Must be {max_length} characters or fewer", "max_length")
    return text


def model_max_length(model, field: str) -> int:
    """The limit a model declares for ``field`` (plaintext length for encrypted fields)."""
    return model._meta.get_field(field).max_length
