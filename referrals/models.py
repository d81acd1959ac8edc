import uuid

from django.conf import settings
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from referrals.encryption import blind_index, normalise_identifier, normalise_name
from referrals.fields import EncryptedCharField, EncryptedDateField, EncryptedTextField


class Gender(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    NON_BINARY = "non_binary", "Non-binary"
    OTHER = "other", "Other"
    NOT_KNOWN = "not_known", "Not known"
    NOT_STATED = "not_stated", "Prefers not to say"


class BlindIndex:
    """The domain labels of the blind indexes; changing one orphans every stored index."""

    FAMILY_NAME_AND_DATE_OF_BIRTH = "person.family_name+date_of_birth"
    NHS_NUMBER = "person.nhs_number"
    POLICE_REFERENCE = "person.police_reference"
    UNIQUE_PUPIL_NUMBER = "person.unique_pupil_number"


class Person(models.Model):
    """Someone referred to the partnership. Identity is sealed; only reporting fields are plain."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    given_name = EncryptedCharField(max_length=100)
    family_name = EncryptedCharField(max_length=100)
    date_of_birth = EncryptedDateField()
    address = EncryptedTextField(max_length=500, blank=True)
    postcode = EncryptedCharField(max_length=8, blank=True)
    nhs_number = EncryptedCharField(max_length=10, blank=True)
    police_reference = EncryptedCharField(max_length=30, blank=True)
    unique_pupil_number = EncryptedCharField(max_length=13, blank=True)

    # Plain, for reporting: coarse enough not to identify anyone on its own.
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_KNOWN)
    postcode_district = models.CharField(max_length=4, blank=True)

    family_name_dob_index = models.CharField(max_length=64, db_index=True, editable=False)
    nhs_number_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    police_reference_index = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False
    )
    unique_pupil_number_index = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_by_organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: an update names the version it read, and a stale one is refused.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name_plural = "people"
        ordering = ["created_at"]

    def __str__(self):
        # Never the name: str() of a model ends up in logs and admin history.
        return f"Person {self.pk}"

    def refresh_blind_indexes(self) -> None:
        self.family_name_dob_index = blind_index(
            BlindIndex.FAMILY_NAME_AND_DATE_OF_BIRTH,
            f"{normalise_name(self.family_name)}|{self.date_of_birth.isoformat()}",
        )
        self.nhs_number_index = self._identifier_index(BlindIndex.NHS_NUMBER, self.nhs_number)
        self.police_reference_index = self._identifier_index(
            BlindIndex.POLICE_REFERENCE, self.police_reference
        )
        self.unique_pupil_number_index = self._identifier_index(
            BlindIndex.UNIQUE_PUPIL_NUMBER, self.unique_pupil_number
        )

    @staticmethod
    def _identifier_index(domain: str, value: str) -> str:
        return blind_index(domain, normalise_identifier(value)) if value else ""


# django-guardian's direct foreign-key permission tables: one indexed join per check instead
# of the generic (content type, text object id) table, which matters on the big tables.
class PersonUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Person, on_delete=models.CASCADE)


class PersonGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Person, on_delete=models.CASCADE)
