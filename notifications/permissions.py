"""Who may act on a notification: only the person it was sent to (one rule per operation, see
``core.permissions``). Whether its record may still be shown is each record's own app's
question, asked again whenever it is shown (``notifications.subjects``)."""

from core.permissions import RuleBook

rules = RuleBook("notifications")
can = rules.can
require = rules.require


@rules.rule("notifications.mark_read", refusal="Only its recipient can mark a notification read")
def _recipient(actor, notification=None) -> bool:
    return notification is not None and notification.recipient_id == actor.pk
