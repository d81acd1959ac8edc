"""Information sharing agreements, and IG's approvals of disclosures made outside one.

A partner organisation signs an agreement (ISA) naming the purposes it shares for and the
categories of data it shares; a disclosure between two partners is covered when an
agreement of each party, in force on the day, names the purpose and every category
(``sharing.agreements.disclosure_coverage``). Anything else needs an information
governance officer's recorded approval, for one person, one purpose and named categories,
for a short time.

The ICO's Data Sharing Code of Practice (2021), "Data sharing agreements", expects an
agreement to set out the purpose, the data shared, the parties and its review: these are
the fields below.
"""

import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.fields import EncryptedCharField, EncryptedTextField
from sharing.vocabulary import DataCategory, Purpose

# An agreement whose review date is this close (or past) is on IG's worklist.
REVIEW_DUE_WITHIN = datetime.timedelta(days=30)


class AgreementStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not yet started"
    ACTIVE = "active", "Active"
    DUE_FOR_REVIEW = "due_for_review", "Due for review"
    ENDED = "ended", "Ended"


class AgreementQuerySet(models.QuerySet):
    def in_force(self, on: datetime.date):
        """In force on ``on``: started, and not ended before it (``ends_on`` is the last day)."""
        return self.filter(starts_on__lte=on).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))

    def due_for_review(self, on: datetime.date):
        """Not ended, with the review date past or within ``REVIEW_DUE_WITHIN``."""
        return self.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).filter(
            review_on__lte=on + REVIEW_DUE_WITHIN
        )


class InformationSharingAgreement(models.Model):
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="sharing_agreements"
    )
    reference = models.CharField(max_length=50, unique=True)
    title = models.CharField(max_length=200)
    purposes = ArrayField(models.CharField(max_length=40, choices=Purpose.choices))
    data_categories = ArrayField(models.CharField(max_length=40, choices=DataCategory.choices))
    starts_on = models.DateField()
    review_on = models.DateField()
    # The last day the agreement is in force; empty while it runs until ended.
    ends_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(max_length=1000, blank=True)
    last_reviewed_on = models.DateField(null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = AgreementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_on__gt=models.F("starts_on")), name="isa_review_after_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="isa_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.title}"

    def status(self, on: datetime.date) -> str:
        if self.ends_on is not None and self.ends_on < on:
            return AgreementStatus.ENDED
        if self.starts_on > on:
            return AgreementStatus.NOT_STARTED
        if self.review_on <= on + REVIEW_DUE_WITHIN:
            return AgreementStatus.DUE_FOR_REVIEW
        return AgreementStatus.ACTIVE

    def in_force_on(self, on: datetime.date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)

    def covers(self, purpose: str, data_categories) -> bool:
        return purpose in self.purposes and set(data_categories) <= set(self.data_categories)


class Signatory(models.Model):
    """Someone who signed the agreement for an organisation (the partner, or the partnership)."""

    agreement = models.ForeignKey(
        InformationSharingAgreement, on_delete=models.PROTECT, related_name="signatories"
    )
    # Staff names are personal data too: sealed like every other name.
    name = EncryptedCharField(max_length=200)
    role = models.CharField("Job title", max_length=200)
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    signed_on = models.DateField()
    added_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["signed_on", "pk"]

    def __str__(self):
        return f"Signatory {self.pk} of {self.agreement.reference}"


class OutsideAgreementApproval(models.Model):
    """An IG officer's approval of one disclosure no agreement covers: who to whom, about
    whom, for what, carrying what, why, and until when."""

    discloser = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # IG's record of its own decision about the person: it goes with the person record.
    person = models.ForeignKey(
        "referrals.Person", on_delete=models.CASCADE, related_name="outside_agreement_approvals"
    )
    purpose = models.CharField(max_length=40, choices=Purpose.choices)
    data_categories = ArrayField(models.CharField(max_length=40, choices=DataCategory.choices))
    reason = EncryptedTextField(max_length=2000)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(auto_now_add=True)
    # The last day a disclosure may be made on this approval.
    valid_until = models.DateField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-approved_at"]
        indexes = [models.Index(fields=["person", "discloser", "recipient", "valid_until"])]

    def __str__(self):
        return f"Approval {self.pk} outside an agreement"
