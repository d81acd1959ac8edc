# Migrations written before the fields moved to ``core`` name this path; keep it importable.
from core.fields import EncryptedCharField, EncryptedDateField, EncryptedTextField

__all__ = ["EncryptedCharField", "EncryptedDateField", "EncryptedTextField"]
