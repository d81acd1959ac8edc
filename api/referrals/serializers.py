"""Shapes of person, referral and consent requests and responses (types and sizes only;
the services bound what they store themselves)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api import strict
from api.built_once import BuiltOnce
from api.lean import LeanRepresentation
from partners.models import Organisation
from referrals.dash import LONGEST_CHECKLIST, DashAnswer, DashChecklist, MaracCriterion
from referrals.equality import DISABILITY_QUESTION, WHY_ASKED, Disability, Ethnicity
from referrals.marac import marac_flag
from referrals.models import (
    ConsentDecision,
    ConsentGiver,
    ConsentMethod,
    DashRecord,
    DomesticAbuseRole,
    Gender,
    MaracReferral,
    ParticipationDecision,
    Person,
    Purpose,
    Referral,
    ReferralArea,
    SignpostService,
)
from referrals.pathways import Pathway, RiskFactor, RiskLevel
from referrals.services import (
    ADDRESS_MAX_LENGTH,
    CHANGE_REASON_MAX_LENGTH,
    NAME_MAX_LENGTH,
    ScreeningOutcome,
)
from sharing.rules import RULE_CHOICES

# --- People ------------------------------------------------------------------------------


def _text(max_length, **kwargs):
    return serializers.CharField(max_length=max_length, trim_whitespace=True, **kwargs)


class PersonWriteSerializer(BuiltOnce, strict.Serializer):
    given_name = _text(NAME_MAX_LENGTH)
    family_name = _text(NAME_MAX_LENGTH)
    date_of_birth = serializers.DateField()
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    address = _text(ADDRESS_MAX_LENGTH, required=False, allow_blank=True)
    postcode = _text(10, required=False, allow_blank=True)
    nhs_number = _text(12, required=False, allow_blank=True)
    police_reference = _text(30, required=False, allow_blank=True)
    unique_pupil_number = _text(15, required=False, allow_blank=True)
    ethnicity = serializers.ChoiceField(
        choices=Ethnicity.choices,
        required=False,
        allow_blank=True,
        help_text=f"Ethnic group (GSS harmonised standard, England); blank if not asked yet. "
        f"{WHY_ASKED}",
    )
    disability = serializers.ChoiceField(
        choices=Disability.choices,
        required=False,
        allow_blank=True,
        help_text=f"{DISABILITY_QUESTION} (Equality Act 2010); blank if not asked yet. {WHY_ASKED}",
    )


class PersonCreateSerializer(PersonWriteSerializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(active=True),
        required=False,
        help_text="The organisation you act for; needed only if you act for more than one.",
    )


class PersonUpdateSerializer(PersonWriteSerializer):
    version = serializers.IntegerField(
        min_value=1,
        required=True,
        help_text="The version you read; a stale version is refused with 409.",
    )
    reason = _text(CHANGE_REASON_MAX_LENGTH, required=False, allow_blank=True)


class PersonSerializer(strict.ModelSerializer):
    # Blank (not asked yet) is an answer too, so the schema says so.
    ethnicity = serializers.ChoiceField(choices=Ethnicity.choices, allow_blank=True, read_only=True)
    disability = serializers.ChoiceField(
        choices=Disability.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Person
        fields = [
            "id",
            "given_name",
            "family_name",
            "date_of_birth",
            "gender",
            "address",
            "postcode",
            "postcode_district",
            "nhs_number",
            "police_reference",
            "unique_pupil_number",
            "ethnicity",
            "disability",
            "created_by_organisation",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class PersonMatchQuerySerializer(strict.Serializer):
    family_name = _text(NAME_MAX_LENGTH, required=False)
    date_of_birth = serializers.DateField(required=False)
    # Ten digits, optionally spaced or hyphenated as printed (3-3-4); the check digit is the
    # service's to verify (referrals.validators.normalise_nhs_number).
    nhs_number = serializers.RegexField(
        r"^[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}$", max_length=12, required=False
    )
    police_reference = _text(30, required=False)
    unique_pupil_number = _text(15, required=False)


# --- Referrals ---------------------------------------------------------------------------


class ReferralDetailsSerializer(BuiltOnce, strict.Serializer):
    pathway = serializers.ChoiceField(choices=Pathway.choices)
    area = serializers.ChoiceField(
        choices=ReferralArea.choices,
        required=False,
        help_text="Needed when your organisation works countywide.",
    )
    incident_date = serializers.DateField()
    incident_time = serializers.TimeField(required=False, allow_null=True)
    incident_place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    narrative = serializers.CharField(max_length=10000)
    night_time_economy = serializers.BooleanField(required=False, default=False)
    domestic_abuse_incident = serializers.BooleanField(required=False, default=False)
    knife_or_sharp_instrument = serializers.BooleanField(required=False, default=False)
    domestic_abuse_role = serializers.ChoiceField(
        choices=DomesticAbuseRole.choices, required=False, allow_blank=True
    )
    previous_incident_date = serializers.DateField(required=False, allow_null=True)
    previous_incident_source = serializers.CharField(
        max_length=200, required=False, allow_blank=True
    )
    risk_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=RiskFactor.choices),
        required=False,
        default=list,
        max_length=len(RiskFactor.values),
    )
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    outside_focus_reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)

    def to_internal_value(self, data):
        # Refused aloud, not ignored: a client still sending a typed score must learn that
        # only the checklist's answers count now.
        if isinstance(data, dict) and "dash_score" in data:
            raise serializers.ValidationError(
                {
                    "dash_score": [
                        serializers.ErrorDetail(
                            "A typed DASH score is no longer accepted: record the Dash "
                            "checklist's answers (POST /api/v1/referrals/{id}/dash/)",
                            code="no_longer_accepted",
                        )
                    ]
                }
            )
        return super().to_internal_value(data)


class ReferralCreateSerializer(ReferralDetailsSerializer):
    person = serializers.UUIDField(required=False, help_text="A person you can already see.")
    new_person = PersonWriteSerializer(required=False, help_text="Or record a new person.")
    allow_possible_duplicate = serializers.BooleanField(required=False, default=False)
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(active=True), required=False
    )


class ReferralSignpostSerializer(ReferralCreateSerializer):
    signpost_service = serializers.ChoiceField(choices=SignpostService.choices)
    signpost_note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ReferralUpdateSerializer(ReferralDetailsSerializer):
    version = serializers.IntegerField(
        min_value=1,
        required=True,
        help_text="The version you read; a stale version is refused with 409.",
    )


class ScreenSerializer(strict.Serializer):
    outcome = serializers.ChoiceField(choices=ScreeningOutcome.choices)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    questions = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    signpost_service = serializers.ChoiceField(
        choices=SignpostService.choices, required=False, allow_blank=True
    )


class AnswerSerializer(strict.Serializer):
    answer = serializers.CharField(max_length=4000)


class ReasonSerializer(strict.Serializer):
    reason = serializers.CharField(max_length=1000)


class PersonSummarySerializer(BuiltOnce, LeanRepresentation, strict.Serializer):
    lean_shared_fields = True
    id = serializers.UUIDField()
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    gender = serializers.CharField()


class NamedSerializer(BuiltOnce, LeanRepresentation, strict.Serializer):
    lean_shared_fields = True
    id = serializers.IntegerField()
    # The record itself, which CharField shows as str(): DRF would ask inspect.signature
    # whether a ``__str__`` source takes arguments, each time.
    name = serializers.CharField(source="*")


class ReferralListSerializer(LeanRepresentation, strict.ModelSerializer):
    lean_shared_fields = True
    person = PersonSummarySerializer()
    organisation = NamedSerializer()

    class Meta:
        model = Referral
        fields = [
            "id",
            "person",
            "pathway",
            "status",
            "area",
            "organisation",
            "referral_date",
            "age_at_referral",
            "risk_level",
            "marac_referral_required",
            "outside_focus_flag",
            "submitted_at",
            "return_to_screening_reason",
            "version",
        ]
        read_only_fields = fields


class LinkedReferralSerializer(BuiltOnce, strict.ModelSerializer):
    organisation = NamedSerializer()

    class Meta:
        model = Referral
        fields = ["id", "pathway", "status", "organisation", "referral_date"]
        read_only_fields = fields


class MaracFlagSerializer(strict.Serializer):
    last_referred_on = serializers.DateField()
    repeat_until = serializers.DateField()


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "23:30:00"}
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the service's time zone, as recorded: no UTC offset, which
    OpenAPI's "time" format would demand (RFC 3339 full-time)."""


class ReferralSerializer(BuiltOnce, LeanRepresentation, strict.ModelSerializer):
    person = PersonSummarySerializer()
    incident_time = LocalTimeField(read_only=True, allow_null=True)
    # Blank until recorded: plain strings, so the schema allows "".
    domestic_abuse_role = serializers.CharField(read_only=True)
    signpost_service = serializers.CharField(read_only=True)
    organisation = NamedSerializer()
    referrer = NamedSerializer()
    previous_incident_found = serializers.SerializerMethodField()
    marac_flag = serializers.SerializerMethodField(
        help_text="Flag and tag: the person's last MARAC referral as a victim, by any agency, in "
        "the last 12 months; the perpetrator is never named."
    )
    other_referrals_exist = serializers.SerializerMethodField(
        help_text="Whether other partners referred the same person within 12 months."
    )
    linked_referrals = serializers.SerializerMethodField(
        help_text="Coordinators only: the other referrals of the same person within 12 months."
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "person",
            "pathway",
            "status",
            "area",
            "organisation",
            "referrer",
            "referral_date",
            "age_at_referral",
            "incident_date",
            "incident_time",
            "incident_place",
            "narrative",
            "night_time_economy",
            "domestic_abuse_incident",
            "knife_or_sharp_instrument",
            "domestic_abuse_role",
            "previous_incident_date",
            "previous_incident_source",
            "previous_incident_found",
            "marac_flag",
            "legacy_dash_score",
            "marac_referral_required",
            "risk_factors",
            "risk_level",
            "outside_focus_reason",
            "outside_focus_flag",
            "permitted_purposes",
            "screened_at",
            "screening_note",
            "signpost_service",
            "return_questions",
            "referrer_answer",
            "withdrawal_reason",
            "return_to_screening_reason",
            "returned_to_screening_at",
            "other_referrals_exist",
            "linked_referrals",
            "submitted_at",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields

    def get_previous_incident_found(self, referral) -> bool:
        return referral.previous_incident_referral_id is not None

    @extend_schema_field(MaracFlagSerializer(allow_null=True))
    def get_marac_flag(self, referral):
        flag = marac_flag(referral.person)
        return MaracFlagSerializer(flag).data if flag else None

    def get_other_referrals_exist(self, referral) -> bool:
        return bool(self.context.get("other_referrals_exist"))

    @extend_schema_field(LinkedReferralSerializer(many=True, allow_null=True))
    def get_linked_referrals(self, referral):
        linked = self.context.get("linked_referrals")
        if linked is None:
            return None
        return LinkedReferralSerializer(linked, many=True).data if linked else []


class ConsentRecordSerializer(strict.Serializer):
    purposes = serializers.ListField(
        child=serializers.ChoiceField(choices=Purpose.choices), min_length=1, max_length=4
    )
    given_by = serializers.ChoiceField(choices=ConsentGiver.choices)
    decision = serializers.ChoiceField(
        choices=[c for c in ConsentDecision.choices if c[0] != ConsentDecision.WITHDRAWN]
    )
    decided_on = serializers.DateField()
    method = serializers.ChoiceField(
        choices=ConsentMethod.choices, required=False, allow_blank=True
    )
    giver_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ConsentWithdrawSerializer(strict.Serializer):
    purposes = serializers.ListField(
        child=serializers.ChoiceField(choices=Purpose.choices), min_length=1, max_length=4
    )
    given_by = serializers.ChoiceField(choices=ConsentGiver.choices)
    reason = serializers.CharField(max_length=1000)


class GillickSerializer(strict.Serializer):
    competent = serializers.BooleanField()
    assessed_on = serializers.DateField()
    rationale = serializers.CharField(max_length=4000)


class LawfulBasisRecordSerializer(strict.Serializer):
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    ground = serializers.ChoiceField(
        choices=RULE_CHOICES,
        help_text="The id of the sharing rule relied on (GET /api/v1/sharing-rules/)",
    )
    justification = serializers.CharField(max_length=4000)


class LawfulBasisDecisionSerializer(strict.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ConsentReadSerializer(strict.Serializer):
    purpose = serializers.CharField()
    given_by = serializers.CharField()
    decision = serializers.CharField()
    decided_on = serializers.DateField()
    method = serializers.CharField()
    giver_name = serializers.CharField()
    note = serializers.CharField()
    recorded_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class GillickReadSerializer(strict.Serializer):
    id = serializers.IntegerField()
    competent = serializers.BooleanField()
    assessed_by = serializers.CharField()
    assessed_on = serializers.DateField()
    rationale = serializers.CharField()


class LawfulBasisReadSerializer(strict.Serializer):
    id = serializers.IntegerField()
    purpose = serializers.CharField()
    ground = serializers.CharField()
    justification = serializers.CharField()
    status = serializers.CharField()
    recorded_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    decided_by = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class PurposePositionSerializer(strict.Serializer):
    purpose = serializers.CharField()
    permitted = serializers.BooleanField()
    via = serializers.CharField()
    explanation = serializers.CharField()


class ConsentOverviewSerializer(strict.Serializer):
    position = PurposePositionSerializer(many=True)
    consents = ConsentReadSerializer(many=True)
    gillick_assessments = GillickReadSerializer(many=True)
    lawful_bases = LawfulBasisReadSerializer(many=True)


class ParticipationRecordSerializer(strict.Serializer):
    given_by = serializers.ChoiceField(choices=ConsentGiver.choices)
    decision = serializers.ChoiceField(
        choices=[
            c for c in ParticipationDecision.choices if c[0] != ParticipationDecision.WITHDRAWN
        ]
    )
    decided_on = serializers.DateField()
    method = serializers.ChoiceField(
        choices=ConsentMethod.choices, required=False, allow_blank=True
    )
    giver_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ParticipationWithdrawSerializer(strict.Serializer):
    given_by = serializers.ChoiceField(choices=ConsentGiver.choices)
    reason = serializers.CharField(max_length=2000)


class ParticipationReadSerializer(strict.Serializer):
    id = serializers.IntegerField()
    given_by = serializers.CharField()
    decision = serializers.CharField()
    decided_on = serializers.DateField()
    method = serializers.CharField()
    giver_name = serializers.CharField()
    note = serializers.CharField()
    recorded_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class ParticipationOverviewSerializer(strict.Serializer):
    """Agreement to take part in an intervention: whether delivery may go ahead
    (``position``), and each giver's decision. Apart from consent and lawful bases."""

    position = PurposePositionSerializer()
    participations = ParticipationReadSerializer(many=True)


class PathwaySerializer(strict.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    rules = serializers.ListField(child=serializers.CharField())
    risk_checklist = serializers.ListField(child=serializers.DictField())


# --- Domestic abuse: Dash, perpetrator links, MARAC ----------------------------------------


class DashRecordWriteSerializer(strict.Serializer):
    checklist = serializers.ChoiceField(choices=DashChecklist.choices)
    answers = serializers.ListField(
        child=serializers.ChoiceField(choices=DashAnswer.choices),
        max_length=LONGEST_CHECKLIST,
        help_text="One answer per question, in the checklist's order: 24 for the SafeLives "
        "checklist, 27 for the police DASH.",
    )
    completed_on = serializers.DateField(required=False)
    professional_judgement_reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True
    )
    police_callouts_last_12_months = serializers.IntegerField(
        min_value=0, max_value=365, required=False, allow_null=True
    )
    escalation_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class DashRecordSerializer(strict.ModelSerializer):
    answers = serializers.ListField(
        child=serializers.ChoiceField(choices=DashAnswer.choices), source="answer_list"
    )
    completed_by = serializers.StringRelatedField()

    class Meta:
        model = DashRecord
        fields = [
            "checklist",
            "answers",
            "score",
            "band",
            "professional_judgement_reason",
            "police_callouts_last_12_months",
            "escalation_reason",
            "completed_by",
            "completed_on",
            "recorded_at",
        ]
        read_only_fields = fields


class PerpetratorLinkWriteSerializer(strict.Serializer):
    perpetrator = serializers.UUIDField(help_text="A person you can already see.")


class PerpetratorLinkSerializer(strict.Serializer):
    id = serializers.IntegerField()
    perpetrator = serializers.UUIDField(
        allow_null=True,
        help_text="Null when you may not see that person: the other party is never exposed.",
    )
    perpetrator_name = serializers.CharField(allow_null=True)
    recorded_at = serializers.DateTimeField()


class MaracReferralWriteSerializer(strict.Serializer):
    link = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="The perpetrator link this referral is about."
    )
    referred_on = serializers.DateField(required=False)


class MaracMeetingSerializer(strict.Serializer):
    meeting_date = serializers.DateField()
    outcome = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class MaracReferralSerializer(strict.ModelSerializer):
    criteria = serializers.ListField(child=serializers.ChoiceField(choices=MaracCriterion.choices))

    class Meta:
        model = MaracReferral
        fields = ["id", "link", "referred_on", "criteria", "repeat", "meeting_date", "outcome"]
        read_only_fields = fields


class MaracOverviewSerializer(strict.Serializer):
    criteria = serializers.ListField(
        child=serializers.ChoiceField(choices=MaracCriterion.choices),
        help_text="The SafeLives MARAC criteria met now; any one makes a MARAC referral.",
    )
    eligible = serializers.BooleanField()
    repeat = serializers.BooleanField(
        help_text="Within 12 months of the last MARAC referral for this victim and a "
        "perpetrator linked on this referral."
    )
    flag = MaracFlagSerializer(
        allow_null=True,
        help_text="Flag and tag: this victim's last MARAC referral by any agency, without "
        "naming the perpetrator.",
    )
    marac_referrals = MaracReferralSerializer(many=True)
