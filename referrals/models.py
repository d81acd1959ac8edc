import json
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from core.encryption import blind_index, normalise_identifier, normalise_name
from core.fields import EncryptedCharField, EncryptedDateField, EncryptedTextField
from referrals.dash import QUESTIONS, DashAnswer, DashChecklist
from referrals.equality import Disability, Ethnicity, disability_in_words, ethnicity_in_words
from referrals.pathways import RISK_ORDER, Pathway, RiskFactor, RiskLevel
from sharing.rules import RULE_CHOICES
from sharing.vocabulary import Purpose


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
    # Of the two people's family name and date of birth indexes, victim first.
    VICTIM_PERPETRATOR_PAIR = "link.victim+perpetrator"


BLIND_INDEXES = [
    "family_name_dob_index",
    "nhs_number_index",
    "police_reference_index",
    "unique_pupil_number_index",
]


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
    # Equality information (``referrals.equality``): special category data (racial or ethnic
    # origin, health), so sealed like identity, and optional: blank is not asked yet.
    ethnicity = EncryptedCharField(
        "ethnic group", max_length=40, blank=True, choices=Ethnicity.choices
    )
    disability = EncryptedCharField(max_length=20, blank=True, choices=Disability.choices)

    # Plain, for reporting: coarse enough not to identify anyone on its own.
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_KNOWN)
    postcode_district = models.CharField(max_length=4, blank=True)

    # Looked up by equality only, through the plain indexes in Meta: ``db_index`` would add
    # a second, pattern-matching index to each, maintained on every write, never used.
    family_name_dob_index = models.CharField(max_length=64, editable=False)
    nhs_number_index = models.CharField(max_length=64, blank=True, editable=False)
    police_reference_index = models.CharField(max_length=64, blank=True, editable=False)
    unique_pupil_number_index = models.CharField(max_length=64, blank=True, editable=False)

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

    # Nobody is looked up in the history by blind index: its rows carry them unindexed.
    history = HistoricalRecords(excluded_fields=["updated_at"], no_db_index=BLIND_INDEXES)

    class Meta:
        verbose_name_plural = "people"
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["family_name_dob_index"], name="person_family_name_dob"),
            models.Index(fields=["nhs_number_index"], name="person_nhs_number"),
            models.Index(fields=["police_reference_index"], name="person_police_reference"),
            models.Index(fields=["unique_pupil_number_index"], name="person_unique_pupil_number"),
        ]

    def __str__(self):
        # Never the name: str() of a model ends up in logs and admin history.
        return f"Person {self.pk}"

    @property
    def full_name(self) -> str:
        """The name a page shows: given then family name (never ``__str__``, which is logged)."""
        return f"{self.given_name} {self.family_name}"

    @property
    def ethnicity_in_words(self) -> str:
        """The ethnic group as a page shows it ("White: Irish"; "Not known" if not asked)."""
        return ethnicity_in_words(self.ethnicity)

    @property
    def disability_in_words(self) -> str:
        return disability_in_words(self.disability)

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


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    RETURNED = "returned", "Returned to referrer"
    ACCEPTED_FOR_PANEL = "accepted_for_panel", "Accepted for panel"
    DECLINED = "declined", "Declined"
    SIGNPOSTED = "signposted", "Signposted"
    WITHDRAWN = "withdrawn", "Withdrawn"
    # Panel outcomes (signposting by the panel uses SIGNPOSTED too).
    CASE_OPENED = "case_opened", "Case opened"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class SignpostService(models.TextChoices):
    MARAC = "marac", "MARAC"
    CHILDRENS_SOCIAL_CARE = "childrens_social_care", "Children's social care"
    CHANNEL = "channel", "Channel (Prevent)"
    IDVA_SERVICE = "idva_service", "IDVA service"
    SUBSTANCE_MISUSE_SERVICE = "substance_misuse_service", "Substance misuse service"
    OTHER = "other", "Other service"


class DomesticAbuseRole(models.TextChoices):
    VICTIM = "victim", "Victim"
    PERPETRATOR = "perpetrator", "Perpetrator"


class ReferralArea(models.TextChoices):
    DURHAM = "durham", "Durham"
    DARLINGTON = "darlington", "Darlington"


def risk_rank() -> models.Case:
    """The partnership's order of work by risk, highest first, as SQL: one definition for
    the lists that sort by it and the index that serves them (PostgreSQL uses an expression
    index only for the same expression)."""
    return models.Case(
        *[
            models.When(risk_level=level, then=models.Value(rank))
            for level, rank in RISK_ORDER.items()
        ],
        default=models.Value(len(RISK_ORDER)),
        output_field=models.IntegerField(),
    )


class Referral(models.Model):
    """A partner's referral of a person into one pathway. Free text is sealed at rest."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    pathway = models.CharField(max_length=30, choices=Pathway.choices)
    status = models.CharField(
        max_length=30, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    area = models.CharField(max_length=20, choices=ReferralArea.choices)
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    organisation = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="referrals"
    )

    referral_date = models.DateField()
    age_at_referral = models.PositiveSmallIntegerField()

    incident_date = models.DateField()
    incident_time = models.TimeField(null=True, blank=True)
    incident_place = EncryptedCharField(max_length=200, blank=True)
    narrative = EncryptedTextField(max_length=10000)
    night_time_economy = models.BooleanField(default=False)

    domestic_abuse_incident = models.BooleanField(default=False)
    knife_or_sharp_instrument = models.BooleanField(default=False)
    domestic_abuse_role = models.CharField(
        max_length=20, choices=DomesticAbuseRole.choices, blank=True
    )
    previous_incident_date = models.DateField(null=True, blank=True)
    previous_incident_source = EncryptedCharField(max_length=200, blank=True)
    # Found automatically: an earlier domestic abuse referral of the same person.
    previous_incident_referral = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A DASH score typed before the checklist's answers were recorded (``DashRecord``):
    # kept as it was typed, read only, never accepted again.
    legacy_dash_score = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    # Whether any MARAC criterion is met (``referrals.marac``), kept for lists and agendas.
    marac_referral_required = models.BooleanField(default=False)

    risk_factors = ArrayField(
        models.CharField(max_length=40, choices=RiskFactor.choices), default=list, blank=True
    )
    risk_level = models.CharField(max_length=20, choices=RiskLevel.choices)
    outside_focus_reason = EncryptedTextField(max_length=1000, blank=True)
    outside_focus_flag = models.BooleanField(default=False)

    # Screening by a coordinator of the area, and the referrer's answers.
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_screened",
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    screening_note = EncryptedTextField(max_length=2000, blank=True)
    signpost_service = models.CharField(max_length=40, choices=SignpostService.choices, blank=True)
    return_questions = EncryptedTextField(max_length=2000, blank=True)
    referrer_answer = EncryptedTextField(max_length=4000, blank=True)
    withdrawal_reason = EncryptedTextField(max_length=1000, blank=True)
    # Why an accepted referral came back to the screening queue (its panel-discussion consent
    # or lawful basis was lost): in words, naming no one, kept until it is screened again.
    return_to_screening_reason = models.CharField(
        max_length=200,
        blank=True,
        help_text="Why a referral accepted for panel came back to screening (consent or lawful "
        "basis for panel discussion lost); blank once it is screened again.",
    )
    returned_to_screening_at = models.DateTimeField(
        null=True, blank=True, help_text="When it last came back to screening."
    )

    # The case this referral started or joined: a new referral of someone with an open case
    # is linked to it.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )

    # The purposes currently covered by consent or an approved lawful basis. Recomputed by
    # referrals.consent whenever a consent, assessment or lawful basis changes, so lists and
    # agendas filter on it in SQL.
    permitted_purposes = ArrayField(models.CharField(max_length=30), default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "area"]),
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["person", "incident_date"]),
            # Lists are newest first and paged by keyset on (created_at, id): walking one of
            # these backwards reads a page and stops, where a sort would read every row the
            # user may see. One per leading equality a list has: none (a coordinator's),
            # the referring organisation (a referrer's), the status and pathway filters.
            models.Index(fields=["created_at", "id"], name="referral_created"),
            models.Index(fields=["organisation", "created_at", "id"], name="referral_org_created"),
            models.Index(fields=["status", "created_at", "id"], name="referral_status_created"),
            models.Index(fields=["pathway", "created_at", "id"], name="referral_pathway_created"),
            # The screening queue, in the order of work: a page of it, not the whole backlog.
            models.Index(
                risk_rank(),
                models.F("submitted_at"),
                models.F("id"),
                condition=models.Q(status="submitted"),
                name="referral_screening_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(legacy_dash_score__isnull=True)
                | models.Q(legacy_dash_score__lte=27),
                name="dash_score_0_to_27",
            ),
        ]
        permissions = [("screen_referral", "Can screen submitted referrals of their area")]

    def __str__(self):
        return f"Referral {self.pk} ({self.pathway}, {self.status})"


class ConsentDecision(models.TextChoices):
    GIVEN = "given", "Given"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"
    NOT_SOUGHT = "not_sought", "Not sought"


class ConsentGiver(models.TextChoices):
    PERSON = "person", "The person"
    PARENT_OR_GUARDIAN = "parent_or_guardian", "A parent or guardian"


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", "In writing"
    VERBAL = "verbal", "Verbally"
    ELECTRONIC = "electronic", "Electronically"


class Consent(models.Model):
    """The current decision of one giver for one purpose; every change is kept in history."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    given_by = models.CharField(max_length=30, choices=ConsentGiver.choices)
    decision = models.CharField(max_length=20, choices=ConsentDecision.choices)
    decided_on = models.DateField()
    method = models.CharField(max_length=20, choices=ConsentMethod.choices, blank=True)
    giver_name = EncryptedCharField(max_length=200, blank=True)
    note = EncryptedTextField(max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["purpose", "given_by"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "purpose", "given_by"], name="one_consent_per_giver_purpose"
            ),
            # Taking part in an intervention is agreed (Participation), not consented to.
            models.CheckConstraint(
                condition=~models.Q(purpose="intervention_delivery"),
                name="consent_not_for_taking_part",
            ),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()}: {self.decision} by {self.given_by}"


class GillickAssessment(models.Model):
    """Whether a child under 16 is competent to decide for themselves (the latest counts)."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="gillick_assessments"
    )
    competent = models.BooleanField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_on = models.DateField()
    rationale = EncryptedTextField(max_length=4000)
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"Gillick assessment {self.pk}: {'competent' if self.competent else 'not competent'}"


class LawfulBasisStatus(models.TextChoices):
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    REVOKED = "revoked", "Revoked"


class LawfulBasis(models.Model):
    """Proceeding with a purpose without the person's agreement: the rule of the disclosure
    rule table (``sharing.rules``) relied on, a justification, and an approver. Each
    disclosure on it is still checked against that rule for whoever discloses and whoever
    receives (``sharing.services.disclosure_permit``)."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="lawful_bases")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    # The rule's stable id: its layered gateways (Article 6, 9, 10, Part 3, the power to
    # disclose) are in the table, not restated on each record.
    ground = models.CharField(max_length=40, choices=RULE_CHOICES)
    justification = EncryptedTextField(max_length=4000)
    status = models.CharField(
        max_length=20, choices=LawfulBasisStatus.choices, default=LawfulBasisStatus.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedTextField(max_length=2000, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name_plural = "lawful bases"
        permissions = [("approve_lawfulbasis", "Can approve or reject a lawful basis")]

    def __str__(self):
        return f"Lawful basis {self.pk}: {self.ground} for {self.purpose} ({self.status})"


# What consent and a lawful basis are about: sharing. Taking part in an intervention is a
# matter of agreement (``Participation``): not consent to sharing, and never overridden.
SHARING_PURPOSES = tuple(p for p in Purpose if p != Purpose.INTERVENTION_DELIVERY)


class ParticipationDecision(models.TextChoices):
    AGREED = "agreed", "Agreed to take part"
    DECLINED = "declined", "Declined to take part"
    WITHDRAWN = "withdrawn", "Withdrew agreement"


class Participation(models.Model):
    """One giver's agreement to take part in a voluntary intervention: whether delivery may
    go ahead, kept apart from consent to sharing and from the lawful basis for sharing.

    HM Government, Information sharing: advice for practitioners providing safeguarding
    services (2024): consent as a lawful basis for sharing is not usually the appropriate one
    for safeguarding, and is a different thing from a person's (or parent's) agreement to
    receive a service. A lawful basis lets information be shared without agreement; it can
    never make someone take part, so no lawful basis stands in for this record.
    """

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="participations")
    given_by = models.CharField(max_length=30, choices=ConsentGiver.choices)
    decision = models.CharField(max_length=20, choices=ParticipationDecision.choices)
    decided_on = models.DateField()
    method = models.CharField(max_length=20, choices=ConsentMethod.choices, blank=True)
    giver_name = EncryptedCharField(max_length=200, blank=True)
    note = EncryptedTextField(max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["given_by"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "given_by"], name="one_participation_per_giver"
            )
        ]

    def __str__(self):
        return f"Agreement to take part: {self.decision} by {self.given_by}"


# --- Domestic abuse: the Dash checklist, MARAC and victim-perpetrator links -----------------


class DashRecord(models.Model):
    """The Dash checklist completed with a victim for one referral (``referrals.dash``), and
    the MARAC reasons beyond the score. Answers are special category data: sealed."""

    referral = models.OneToOneField(Referral, on_delete=models.PROTECT, related_name="dash_record")
    checklist = models.CharField(max_length=30, choices=DashChecklist.choices)
    # JSON list of "yes" / "no" / "not_known", in the checklist's question order.
    answers = EncryptedTextField(max_length=2000)
    score = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=20, choices=RiskLevel.choices)
    professional_judgement_reason = EncryptedTextField(max_length=2000, blank=True)
    police_callouts_last_12_months = models.PositiveSmallIntegerField(null=True, blank=True)
    escalation_reason = EncryptedTextField(max_length=2000, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    completed_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=27), name="dash_record_score_max")
        ]

    def __str__(self):
        return f"Dash record {self.pk} ({self.checklist}, {self.score})"

    @property
    def answer_list(self) -> list[str]:
        return json.loads(self.answers or "[]")

    def answers_in_words(self) -> str:
        """Each question with its answer, for a person reading their own record (a subject
        access export), not the stored codes."""
        questions = QUESTIONS[self.checklist]
        return "; ".join(
            f"{number}. {question} {DashAnswer(answer).label}"
            for number, (question, answer) in enumerate(
                zip(questions, self.answer_list, strict=False), start=1
            )
        )


class VictimPerpetratorLink(models.Model):
    """A victim and a perpetrator of the same abuse, recorded by one agency on a referral.

    ``pair_index`` is a keyed HMAC of the two people's own blind indexes, so another agency's
    records of the same two humans match without anyone seeing the other party."""

    victim = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    perpetrator = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="perpetrator_links"
    )
    pair_index = models.CharField(max_length=64, db_index=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "perpetrator"], name="one_link_per_referral_perpetrator"
            ),
        ]

    def __str__(self):
        # Never either name.
        return f"Victim-perpetrator link {self.pk}"


class MaracReferral(models.Model):
    """A referral of a victim to MARAC, for one victim-perpetrator pair, and its meeting."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="marac_referrals")
    # Null only once the perpetrator's records are erased: ``pair_index`` still matches.
    link = models.ForeignKey(
        VictimPerpetratorLink,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="marac_referrals",
    )
    # Copied from the link: the pair a later repeat is matched on, across agencies.
    pair_index = models.CharField(max_length=64, db_index=True, editable=False)
    referred_on = models.DateField()
    # The criteria met when referred (``referrals.dash.MaracCriterion`` codes).
    criteria = ArrayField(models.CharField(max_length=30), default=list)
    repeat = models.BooleanField(default=False)
    meeting_date = models.DateField(null=True, blank=True)
    outcome = EncryptedTextField(max_length=4000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-referred_on", "-pk"]

    def __str__(self):
        return f"MARAC referral {self.pk} on {self.referred_on}"
