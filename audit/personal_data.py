"""What audit itself holds about a person: break-glass grants, legal holds and releases of
subject access exports.

All are IG's records about its own work rather than the person's case: they go with the
person record (``on_delete=CASCADE``) when it is erased, and the subject access export shows
them through the access history (break-glass events) rather than as sections of their own.
"""

from audit.models import AuditEvent, BreakGlassGrant, LegalHold, SubjectAccessRelease
from audit.registry import PersonalData
from notifications.models import Notification


class AuditPersonalData(PersonalData):
    label = "audit"
    models = (BreakGlassGrant, LegalHold, SubjectAccessRelease)
    export_models = {"disclosures": AuditEvent, "access_history": AuditEvent}


class NotificationsAboutPeople(PersonalData):
    """Notifications name a record by type and id (``notifications`` knows no domain app):
    when a person is erased, those about any of their records go too, so no id of an erased
    record is left behind. Erased before the records they name, which are looked up through
    the providers' own ``named_records``."""

    label = "notifications"
    models = (Notification,)
    depends_on = ("referrals", "cases", "interventions", "sharing")
    # A break-glass notification leads to the person's access history: it is about the
    # person record itself.
    object_type_of = {"person_access": "person"}

    def erase(self, person_id, erasure) -> None:
        from audit.registry import registry

        about = Notification.objects.values_list("subject_type", flat=True).distinct()
        for subject_type in about.order_by("subject_type"):
            object_type = self.object_type_of.get(subject_type, subject_type)
            provider = registry.named_by(object_type)
            if provider is None:  # a panel meeting, an agreement: about no one
                continue
            model, path = provider.named_records[object_type]
            ids = model.objects.filter(**{path: person_id}).values_list("pk", flat=True)
            erasure.delete(
                Notification.objects.filter(
                    subject_type=subject_type, subject_id__in=[str(pk) for pk in ids]
                )
            )
