"""What the notification tests share."""

from django.db.models import Max

from notifications.models import Notification


def told_by(action) -> set[tuple[str, str, str]]:
    """Run ``action``; who it told, of what, about which kind of record:
    ``{(username, kind, subject_type)}``."""
    before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    action()
    return {
        (n.recipient.username, n.kind, n.subject_type)
        for n in Notification.objects.filter(pk__gt=before).select_related("recipient")
    }
