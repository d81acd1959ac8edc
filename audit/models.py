"""The audit trail: one append-only, hash-chained table of events.

Every read of personal data, every denied attempt, every disclosure to another
organisation, a digest of every history row, and every retention erasure is an
``AuditEvent``. An INSERT only stores the event, unsealed, so writers never wait for each
other; the sequencer (``audit.chain.seal``, ``python manage.py audit_seal --follow``) then
numbers the committed events in order and hashes each canonical ``content`` with the
previous hash. The database refuses UPDATE (but that one sealing step), DELETE and
TRUNCATE, sealed or not. ``python manage.py audit_verify`` walks the chain.
"""

import json

from django.conf import settings
from django.db import models


class EventKind(models.TextChoices):
    ACCESS = "access", "Access"
    DENIED = "denied", "Denied attempt"
    DISCLOSURE = "disclosure", "Disclosure"
    CHANGE = "change", "Change (history digest)"
    BREAK_GLASS = "break_glass", "Break-glass"
    EXPORT = "export", "Export"
    TOMBSTONE = "tombstone", "Retention tombstone"
    LOCKOUT = "lockout", "Sign-in lockout"
    SECURITY = "security", "Security administration"
    GOVERNANCE = "governance", "Information governance"
    # A run of the partnership's routine (retention, chain verification, pruning...), with
    # its counts; and an administrator starting or retrying one.
    ROUTINE = "routine", "Routine job"


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True, editable=False, null=True)
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    occurred_at = models.DateTimeField()
    # The (user, occurred_at) and (recipient_organisation, occurred_at) indexes serve these
    # foreign keys too: sealing rewrites every index of a row, so no index twice.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, null=True, related_name="+"
    )
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    person_id = models.UUIDField(null=True, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    purpose = models.CharField(max_length=40, blank=True)
    # Disclosures: to whom, what, and on what footing.
    recipient_organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_index=False,
    )
    data_categories = models.CharField(max_length=200, blank=True)
    basis = models.CharField(max_length=40, blank=True)
    # The canonical JSON of everything above (and details), which the chain hashes.
    content = models.TextField()
    # Empty (NULL) until the sequencer seals the event into the chain (audit.chain.seal).
    # NULL, not "", so an unsealed row is told apart from the first entry (prev_hash "").
    prev_hash = models.CharField(max_length=64, editable=False, blank=True, null=True)  # noqa: DJ001
    hash = models.CharField(max_length=64, editable=False, blank=True, null=True)  # noqa: DJ001

    class Meta:
        # Newest first by when it happened, so events the sequencer has not sealed yet (no
        # seq) show too; id breaks ties, and the index below serves the unfiltered page.
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["occurred_at", "id"], name="audit_event_when"),
            # The sequencer's queue: small, whatever the size of the trail.
            models.Index(fields=["id"], condition=models.Q(seq=None), name="audit_event_unsealed"),
            models.Index(fields=["person_id", "occurred_at"]),
            models.Index(fields=["user", "occurred_at"]),
            models.Index(fields=["kind", "occurred_at"]),
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["recipient_organisation", "occurred_at"]),
        ]

    def __str__(self):
        return f"Audit event {self.seq}: {self.kind} {self.action}"

    @property
    def details(self) -> dict:
        """What the event holds beyond its columns (a disclosure's rule and citations, a
        reason), as written into the hashed ``content``."""
        try:
            details = json.loads(self.content).get("details")
        except (TypeError, ValueError, AttributeError):
            return {}
        return details if isinstance(details, dict) else {}


class ChainHead(models.Model):
    """The newest sealed link of the chain (one row), kept by the sequencer.

    Only the sequencer locks this row, so one sealer at a time extends the chain; its seq
    and hash let ``audit_verify`` notice entries cut from the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="single_chain_head")]

    def __str__(self):
        return f"Chain head at {self.seq}"


class FlagKind(models.TextChoices):
    VOLUME = "volume", "Many distinct people viewed in a day"
    OUT_OF_HOURS = "out_of_hours", "Access outside set hours"
    DENIED = "denied", "Denied attempt"
    BREAK_GLASS = "break_glass", "Break-glass use"


class FlagOutcome(models.TextChoices):
    APPROPRIATE = "appropriate", "Appropriate: no further action"
    ADVICE_GIVEN = "advice_given", "Advice given to the user"
    ESCALATED = "escalated", "Escalated (incident or disciplinary)"


class ReviewFlag(models.Model):
    kind = models.CharField(max_length=20, choices=FlagKind.choices)
    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="flags")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    detail = models.CharField(max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=FlagOutcome.choices, blank=True)
    note = models.TextField(max_length=2000, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["reviewed_at", "-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "event"], name="one_flag_per_kind_event")
        ]

    def __str__(self):
        return f"Flag {self.pk}: {self.kind}"


class FlagScanState(models.Model):
    """How far the flag scan has read the chain (a single row)."""

    last_seq = models.BigIntegerField(default=0)

    def __str__(self):
        return f"Flags scanned up to {self.last_seq}"


class BreakGlassGrant(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "referrals.Person", on_delete=models.CASCADE, related_name="break_glass_grants"
    )
    reason = models.TextField(max_length=2000)
    granted_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["user", "person", "expires_at"])]

    def __str__(self):
        return f"Break-glass {self.pk}"


class LegalHold(models.Model):
    person = models.ForeignKey("referrals.Person", on_delete=models.CASCADE, related_name="holds")
    reason = models.TextField(max_length=2000)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["-placed_at"]

    def __str__(self):
        return f"Legal hold {self.pk}"


class SubjectAccessRelease(models.Model):
    """A subject access export given to the person it is about: when, by whom and how.

    IG's own record of its work, like a legal hold: it goes with the person record."""

    person = models.ForeignKey(
        "referrals.Person", on_delete=models.CASCADE, related_name="subject_access_releases"
    )
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(auto_now_add=True)
    delivery = models.TextField("How it was given to the person", max_length=500)

    class Meta:
        ordering = ["-released_at"]

    def __str__(self):
        return f"Subject access release {self.pk}"


class RetentionStatistic(models.Model):
    """What remains of erased records: counts, never anyone's details."""

    erased_on = models.DateField()
    record_type = models.CharField(max_length=40)
    pathway = models.CharField(max_length=30, blank=True)
    area = models.CharField(max_length=20, blank=True)
    outcome = models.CharField(max_length=40, blank=True)
    year = models.PositiveSmallIntegerField(null=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.count} of {self.record_type}"
