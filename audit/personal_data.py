"""What audit itself holds about a person: break-glass grants, legal holds and releases of
subject access exports.

All are IG's records about its own work rather than the person's case: they go with the
person record (``on_delete=CASCADE``) when it is erased, and the subject access export shows
them through the access history (break-glass events) rather than as sections of their own.
"""

from audit.models import AuditEvent, BreakGlassGrant, LegalHold, SubjectAccessRelease
from audit.registry import PersonalData


class AuditPersonalData(PersonalData):
    label = "audit"
    models = (BreakGlassGrant, LegalHold, SubjectAccessRelease)
    export_models = {"disclosures": AuditEvent, "access_history": AuditEvent}
