from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from core.fields import EncryptedTextField
from referrals.pathways import Pathway


class InterventionType(models.TextChoices):
    MENTORING = "mentoring", "Mentoring"
    YOUTH_WORK = "youth_work", "Youth work"
    HOSPITAL_NAVIGATOR = "hospital_navigator", "Hospital navigator"
    CUSTODY_NAVIGATOR = "custody_navigator", "Custody navigator"
    EDUCATION_EMPLOYMENT = "education_employment", "Education or employment support"
    SPORT_DIVERSIONARY = "sport_diversionary", "Sport or diversionary activity"
    ALCOHOL_BRIEF = "alcohol_brief_intervention", "Alcohol brief intervention"
    DA_PERPETRATOR = "da_perpetrator_programme", "Domestic abuse perpetrator programme"
    IDVA = "idva", "Independent domestic violence advocacy"
    FAMILY_SUPPORT = "family_support", "Family support"
    OTHER = "other", "Other"


class Intervention(models.Model):
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=4000)
    intervention_type = models.CharField(max_length=40, choices=InterventionType.choices)
    provider = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="interventions"
    )
    pathways = ArrayField(models.CharField(max_length=30, choices=Pathway.choices))
    min_age = models.PositiveSmallIntegerField()
    max_age = models.PositiveSmallIntegerField()
    # Allocations that hold a place (offered, accepted or active) at any one time.
    capacity = models.PositiveIntegerField()
    funding_stream = models.CharField(max_length=200, blank=True)
    # Pounds a year the funding stream pays for the intervention, where it is recorded: the
    # interventions figures divide it (pro-rated to the period) by completions.
    annual_funding = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Annual funding in pounds, where recorded.",
    )
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="one_name_per_provider"),
            models.CheckConstraint(
                condition=models.Q(min_age__lte=models.F("max_age")), name="age_range_in_order"
            ),
        ]

    def __str__(self):
        return self.name


class AllocationStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    WAITLISTED = "waitlisted", "On the waiting list"
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    DISENGAGED = "disengaged", "Disengaged"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CANCELLED = "cancelled", "Cancelled"


HOLDS_A_PLACE = (AllocationStatus.OFFERED, AllocationStatus.ACCEPTED, AllocationStatus.ACTIVE)


class Allocation(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="allocations")
    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, related_name="allocations"
    )
    keyworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations_kept",
    )
    status = models.CharField(
        max_length=20, choices=AllocationStatus.choices, default=AllocationStatus.PROPOSED
    )
    # What the panel or the lead professional asks the provider to do: the provider's brief.
    request = EncryptedTextField(max_length=2000)
    age_at_allocation = models.PositiveSmallIntegerField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.ForeignKey(
        "cases.PanelDecision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    status_reason = EncryptedTextField(max_length=1000, blank=True)
    missed_contacts_flag = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["intervention", "status"]),
            models.Index(fields=["intervention", "status", "waitlisted_at"]),
        ]

    def __str__(self):
        return f"Allocation {self.pk} ({self.status})"


class ContactType(models.TextChoices):
    FACE_TO_FACE = "face_to_face", "Face to face"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video"
    OUTREACH = "outreach", "Outreach"


class ContactOutcome(models.TextChoices):
    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    CANCELLED_BY_PROVIDER = "cancelled_by_provider", "Cancelled by the provider"
    CANCELLED_BY_PERSON = "cancelled_by_person", "Cancelled by the person"


class Contact(models.Model):
    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="contacts")
    contact_date = models.DateField()
    contact_type = models.CharField(max_length=20, choices=ContactType.choices)
    outcome = models.CharField(max_length=30, choices=ContactOutcome.choices)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = EncryptedTextField(max_length=4000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-contact_date", "-recorded_at"]

    def __str__(self):
        return f"Contact {self.pk} ({self.outcome})"


class OutcomeMeasure(models.Model):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    scale = models.CharField(max_length=200)
    min_value = models.DecimalField(max_digits=7, decimal_places=2)
    max_value = models.DecimalField(max_digits=7, decimal_places=2)
    higher_is_better = models.BooleanField()
    # The organisation type that records it; blank when the system derives it.
    recorded_by_type = models.CharField(max_length=30, blank=True)
    derived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def in_range(self, value: Decimal) -> bool:
        return self.min_value <= value <= self.max_value


class OutcomeKind(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    FOLLOW_UP = "follow_up", "Follow-up"


class OutcomeRecord(models.Model):
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="outcomes")
    measure = models.ForeignKey(OutcomeMeasure, on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(max_length=20, choices=OutcomeKind.choices)
    value = models.DecimalField(max_digits=7, decimal_places=2)
    recorded_on = models.DateField()
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, null=True, blank=True, related_name="outcomes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["measure__name", "recorded_on", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "measure"],
                condition=models.Q(kind="baseline"),
                name="one_baseline_per_case_measure",
            )
        ]

    def __str__(self):
        return f"Outcome {self.pk}"
