"""Lookups for the IG pages and endpoints."""

from django.http import Http404

from audit.models import AuditEvent
from audit.registry import registry


def person_or_404(person_id):
    """The person record with this id (found through the app that owns people)."""
    person = registry.people.find(person_id)
    if person is None:
        raise Http404("No such person")
    return person


def audit_events():
    """The trail, newest first, with what every list of events shows."""
    return AuditEvent.objects.select_related(
        "user", "organisation", "recipient_organisation"
    ).order_by("-seq")
