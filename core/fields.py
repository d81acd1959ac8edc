"""Model fields that keep personal data encrypted at rest (see ``core.encryption``).

The database only ever holds sealed text, so these fields support no lookups beyond
``isnull``: searching goes through blind indexes instead.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import models

from core.encryption import open_sealed, seal


class EncryptedFieldMixin:
    encrypted = True

    def get_internal_type(self):
        return "TextField"

    def db_type(self, connection):
        return "text"

    def to_plain_text(self, value) -> str:
        return str(value)

    def from_plain_text(self, text: str):
        return text

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            # Blank stays blank so "not recorded" is visible without decrypting.
            return value
        return seal(self.to_plain_text(value))

    def get_db_prep_value(self, value, connection, prepared=False):
        # Skip the backend's own adaptation (dates, say): the column only holds sealed text.
        return value if prepared else self.get_prep_value(value)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return self.from_plain_text(open_sealed(value))

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name):
        return None


class EncryptedTextField(EncryptedFieldMixin, models.TextField):
    """Free text, sealed. ``max_length`` limits the plaintext, checked by validation."""


class EncryptedCharField(EncryptedFieldMixin, models.CharField):
    def db_type(self, connection):
        # The sealed form is longer than the plaintext; the length limit is on the plaintext.
        return "text"

    def cast_db_type(self, connection):
        return "text"


class EncryptedDateField(EncryptedFieldMixin, models.DateField):
    def to_plain_text(self, value) -> str:
        return value.isoformat()

    def from_plain_text(self, text: str):
        return datetime.date.fromisoformat(text)

    def get_prep_value(self, value):
        if isinstance(value, str) and value:
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError as exc:
                raise ValidationError("Enter a real date", code="invalid") from exc
        if value is None:
            return None
        return seal(self.to_plain_text(value))

    def to_python(self, value):
        return models.DateField.to_python(self, value)

    def pre_save(self, model_instance, add):
        return getattr(model_instance, self.attname)


def opened(model, field_name: str, value):
    """The plaintext of ``model.field_name`` as read raw (a ``values`` JSON, say): what
    reading the field itself gives, sealed text opened."""
    return model._meta.get_field(field_name).from_db_value(value, None, None)
