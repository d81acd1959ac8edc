"""What someone is told: one row per recipient, about one record (named by its type and
id, so this app imports no domain app), read or not, emailed or not.

A notification holds no personal data: its wording is the kind's, and the record is a type
and an id. Whether the recipient may still open the record is asked again each time it is
shown (``notifications.selectors``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    REFERRAL_SUBMITTED = "referral_submitted", "A referral is waiting to be screened"
    REFERRAL_RETURNED = "referral_returned", "A coordinator returned your referral with questions"
    REFERRAL_DECIDED = "referral_decided", "A decision was made on your referral"
    AGENDA_READY = "agenda_ready", "The agenda for your panel meeting is ready"
    CASE_OPENED = "case_opened", "A panel opened a case with you as lead professional"
    ALLOCATION_OFFERED = "allocation_offered", "An intervention place was offered"
    PLACE_FREED = "place_freed", "A waiting list place was freed and offered"
    CONSENT_WITHDRAWN = "consent_withdrawn", "Consent or a lawful basis was withdrawn"
    WORK_DUE = "work_due", "You have risk reviews overdue or panel actions due"
    BREAK_GLASS = "break_glass", "Someone broke the glass to see a person's records"
    FLAGS_WAITING = "flags_waiting", "Access flags are waiting for review"
    AGREEMENT_REVIEW = "agreement_review", "An information sharing agreement is due for review"
    CHAIN_BROKEN = "chain_broken", "The audit trail failed verification"


# Whether a kind is emailed to someone who has not said: everything that asks for action
# from that person is; the coordinators' queue and IG's flag digest are their daily work,
# already on their home page.
EMAIL_BY_DEFAULT: dict[str, bool] = {
    **{kind: True for kind in Kind.values},
    Kind.REFERRAL_SUBMITTED: False,
    Kind.FLAGS_WAITING: False,
}


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # The record it is about, as the app that owns it names it ("referral", "case"...), and
    # its id; blank for a digest about the recipient's own work.
    subject_type = models.CharField(max_length=30, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    # What makes a notification the same one again (a daily digest's day, an agreement's
    # review date): a job run twice tells nobody twice.
    key = models.CharField(max_length=120, blank=True)
    # Technical detail for administrators (which audit entry failed), never personal data.
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            # The header's unread count on every page.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~Q(key=""),
                name="one_notification_per_key",
            )
        ]

    def __str__(self):
        return f"Notification {self.pk} ({self.kind}) for {self.recipient_id}"


class Preference(models.Model):
    """Whether someone wants a kind of notification emailed; no row means the default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    email = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {'email' if self.email else 'no email'}"
