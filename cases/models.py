import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from core.fields import EncryptedTextField
from partners.models import Area
from referrals.models import Purpose, SignpostService
from referrals.pathways import Pathway, RiskLevel


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    CLOSED = "closed", "Closed"


class PanelMeeting(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    area = models.CharField(max_length=20, choices=Area.choices)
    meets_at = models.DateTimeField()
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meetings_chaired"
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="PanelAttendance",
        through_fields=("meeting", "user"),
        related_name="panel_meetings",
    )
    status = models.CharField(
        max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    reopen_reason = models.TextField(max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-meets_at"]
        indexes = [models.Index(fields=["area", "status", "meets_at"])]

    def __str__(self):
        meets_at = timezone.localtime(self.meets_at)
        return (
            f"{self.get_area_display()} panel, {date_format(meets_at, 'j F Y')} at {meets_at:%H:%M}"
        )


class PanelAttendance(models.Model):
    """A member invited to a meeting, and whether they attended (unknown until recorded)."""

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.CASCADE, related_name="attendance")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    attended = models.BooleanField(null=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_attendance_per_member")
        ]

    def __str__(self):
        return f"{self.user} at {self.meeting}"


class DecisionOutcome(models.TextChoices):
    OPEN_CASE = "open_case", "Open a case"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    DEFER = "defer", "Defer to the next meeting"
    SIGNPOST = "signpost", "Signpost to a named service"


class PanelDecision(models.Model):
    # No index of its own: ``cases_decision_meeting_order`` (meeting, decided_at) leads with it.
    meeting = models.ForeignKey(
        PanelMeeting, on_delete=models.PROTECT, related_name="decisions", db_index=False
    )
    # No index of its own: ``cases_decision_deferrals`` (referral, outcome) leads with it.
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        related_name="panel_decisions",
        db_index=False,
    )
    outcome = models.CharField(max_length=30, choices=DecisionOutcome.choices)
    rationale = EncryptedTextField(max_length=4000)
    signpost_service = models.CharField(max_length=40, choices=SignpostService.choices, blank=True)
    signpost_service_name = models.CharField(max_length=200, blank=True)
    case = models.ForeignKey(
        "Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["decided_at"]
        indexes = [
            # "Deferred before" on every agenda item: this referral's deferrals elsewhere.
            models.Index(fields=["referral", "outcome"], name="cases_decision_deferrals"),
            # A meeting's decisions in the order they were made (its decisions list, a page
            # at a time, and ``decisions_of_meeting``), read in order rather than sorted.
            models.Index(fields=["meeting", "decided_at"], name="cases_decision_meeting_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "referral"], name="one_decision_per_item_per_meeting"
            )
        ]

    def __str__(self):
        return f"Decision {self.pk}: {self.outcome}"


class PanelAction(models.Model):
    decision = models.ForeignKey(PanelDecision, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self):
        return f"Action {self.pk}"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ClosureReason(models.TextChoices):
    GOALS_MET = "goals_met", "Goals met"
    DISENGAGED = "disengaged", "Disengaged"
    MOVED_OUT_OF_AREA = "moved_out_of_area", "Moved out of area"
    ESCALATED = "escalated_to_statutory_services", "Escalated to statutory services"
    CUSTODY = "custody", "Custody"
    DECEASED = "deceased", "Deceased"
    OTHER = "other", "Other"


class Case(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("referrals.Person", on_delete=models.PROTECT, related_name="cases")
    pathway = models.CharField(max_length=30, choices=Pathway.choices)
    area = models.CharField(max_length=20, choices=Area.choices)
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    lead_professional = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases_led"
    )
    lead_organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="cases_led"
    )
    risk_level = models.CharField(max_length=20, choices=RiskLevel.choices)
    next_review_date = models.DateField(null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=40, choices=ClosureReason.choices, blank=True)
    closure_summary = EncryptedTextField(max_length=4000, blank=True)
    reopen_reason = EncryptedTextField(max_length=1000, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["area", "status"]),
            models.Index(fields=["status", "next_review_date"]),
            # Lists of cases, newest first, a page at a time (``CASE_LIST_ORDERING``).
            models.Index(fields=["-opened_at", "-id"], name="cases_case_opened"),
        ]

    def __str__(self):
        return f"Case {self.pk} ({self.pathway}, {self.status})"


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class ShareBasis(models.TextChoices):
    CONSENT = "consent", "Consent"
    LAWFUL_BASIS = "lawful_basis", "Lawful basis"
    # Sharing with a provider to deliver what the person agreed to take part in.
    PARTICIPATION = "participation", "Agreement to take part"


class CaseShare(models.Model):
    """A case shared with an organisation for one purpose, on consent or a lawful basis."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="shares")
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="case_shares"
    )
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    basis = models.CharField(max_length=20, choices=ShareBasis.choices)
    lawful_basis = models.ForeignKey(
        "referrals.LawfulBasis", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = models.CharField(max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["shared_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "organisation", "purpose"],
                condition=Q(ended_at__isnull=True),
                name="one_active_share_per_purpose",
            )
        ]

    def __str__(self):
        return f"Share {self.pk} of {self.case_id} with {self.organisation_id}"


class RiskReview(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="risk_reviews")
    level = models.CharField(max_length=20, choices=RiskLevel.choices)
    rationale = EncryptedTextField(max_length=4000)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_on = models.DateField()
    next_review_date = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-reviewed_on", "-recorded_at"]

    def __str__(self):
        return f"Risk review {self.pk}: {self.level}"


class CaseNote(models.Model):
    """Editable by its author for 24 hours; after that a correction is a new note."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    text = EncryptedTextField(max_length=10000)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Case note {self.pk}"
