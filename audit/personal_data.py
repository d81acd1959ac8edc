"""What audit itself holds about a person: break-glass grants and legal holds.

Both are IG's records about its own work rather than the person's case: they go with the
person record (``on_delete=CASCADE``) when it is erased, and the subject access export shows
them through the access history (break-glass events) rather than as sections of their own.
"""

from audit.models import BreakGlassGrant, LegalHold
from audit.registry import PersonalData


class AuditPersonalData(PersonalData):
    label = "audit"
    models = (BreakGlassGrant, LegalHold)
