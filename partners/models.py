from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from partners.roles import Role


class User(AbstractUser):
    """A person who signs in. Which organisations they act for, and as what, is in Membership."""

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return self.get_full_name() or self.username


class OrganisationType(models.TextChoices):
    SCHOOL = "school", "School"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    YOUTH_JUSTICE = "youth_justice", "Youth justice"
    PROBATION = "probation", "Probation"
    HOUSING = "housing", "Housing"
    VOLUNTARY = "voluntary", "Voluntary sector"
    PARTNERSHIP = "partnership", "Partnership team"


class Area(models.TextChoices):
    DURHAM = "durham", "Durham"
    DARLINGTON = "darlington", "Darlington"
    COUNTYWIDE = "countywide", "Countywide"


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    code = models.SlugField(max_length=50, unique=True)
    organisation_type = models.CharField(max_length=30, choices=OrganisationType.choices)
    area = models.CharField(max_length=20, choices=Area.choices)
    # django-guardian grants object permissions to this group, so sharing a record with an
    # organisation is one row, and every member sees it.
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="organisation")
    # Health and social care bodies cannot disclose under the Serious Violence Duty gateway
    # (PCSC Act 2022 s.16); a council's type alone does not say whether it does social care.
    provides_social_care = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_health_or_social_care(self) -> bool:
        return self.organisation_type == OrganisationType.HEALTH or self.provides_social_care


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    started_at = models.DateTimeField(auto_now_add=True)
    # Memberships end rather than disappear: the audit trail must still say who acted as what.
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"],
                condition=Q(ended_at__isnull=True),
                name="one_active_membership_per_role",
            )
        ]

    def __str__(self):
        return f"{self.user}: {self.get_role_display()} at {self.organisation}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
