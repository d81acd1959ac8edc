"""Email for notifications, sent by the worker.

Deferred by ``notification_send`` in the transaction that created the notification, so a
change that rolls back sends nothing. The email says only that something needs attention
and where to sign in (GOV.UK Notify's advice for sensitive services): no name, no record,
nothing a mailbox or a mail server could leak.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from notifications.models import Kind, Notification
from notifications.selectors import emailed

SUBJECT = "Serious Violence Partnership: something needs your attention"


def email_text(notification: Notification) -> str:
    link = settings.SITE_URL.rstrip("/") + reverse("notifications:list")
    return (
        f"{Kind(notification.kind).label}.\n\n"
        f"Sign in to see it: {link}\n\n"
        "This email does not say who or what it is about, on purpose. "
        "You can choose which notifications are emailed to you on the notifications page.\n"
    )


# A mail server that is down is tried again after half a minute plus 9 seconds, 27, 81 ...
# (3 to the power of the attempt), eight times over about three hours; after that the job
# stays failed, for the administrators to see and retry.
@app.task(
    name="notifications.send_email",
    retry=RetryStrategy(max_attempts=8, exponential_wait=3, wait=30),
    pass_context=False,
)
def send_notification_email(notification_id: int) -> None:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        # Already sent by an earlier attempt, gone, or no longer wanted: nothing to do.
        if notification is None or notification.emailed_at is not None:
            return
        recipient = notification.recipient
        if (
            not recipient.is_active
            or not recipient.email
            or recipient.pk not in emailed({recipient.pk}, notification.kind)
        ):
            return
        send_mail(SUBJECT, email_text(notification), None, [recipient.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
