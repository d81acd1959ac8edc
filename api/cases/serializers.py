"""Shapes of panel and case requests and responses."""

import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api import strict
from api.lean import LeanRepresentation
from api.referrals.serializers import NamedSerializer, PersonSummarySerializer
from cases.models import (
    Case,
    CaseNote,
    CaseShare,
    ClosureReason,
    DecisionOutcome,
    PanelAction,
    PanelAttendance,
    PanelDecision,
    PanelMeeting,
    RiskReview,
)
from cases.selectors import prevention_transition_due
from partners.models import Area, Organisation, User
from referrals.models import Purpose, SignpostService
from referrals.pathways import RiskLevel

ACTIVE_USERS = User.objects.filter(is_active=True)
ACTIVE_ORGANISATIONS = Organisation.objects.filter(active=True)


class UserRefSerializer(LeanRepresentation, strict.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class MeetingCreateSerializer(strict.Serializer):
    area = serializers.ChoiceField(choices=Area.choices)
    meets_at = serializers.DateTimeField()
    chair = serializers.PrimaryKeyRelatedField(queryset=ACTIVE_USERS)
    members = serializers.PrimaryKeyRelatedField(queryset=ACTIVE_USERS, many=True)


class AttendanceSerializer(strict.ModelSerializer):
    user = UserRefSerializer()
    organisation = NamedSerializer()

    class Meta:
        model = PanelAttendance
        fields = ["user", "organisation", "attended"]
        read_only_fields = fields


class AttendanceRecordSerializer(strict.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=ACTIVE_USERS)
    attended = serializers.BooleanField()


class MeetingSerializer(strict.ModelSerializer):
    chair = UserRefSerializer()

    class Meta:
        model = PanelMeeting
        fields = [
            "id",
            "area",
            "meets_at",
            "chair",
            "status",
            "reopen_reason",
            "closed_at",
            "version",
        ]
        read_only_fields = fields


class CaseReasonSerializer(strict.Serializer):
    reason = serializers.CharField(max_length=1000)


class ActionSerializer(strict.ModelSerializer):
    owner = UserRefSerializer()

    class Meta:
        model = PanelAction
        fields = ["id", "description", "owner", "due_date", "done_at"]
        read_only_fields = fields


class ActionWriteSerializer(strict.Serializer):
    description = serializers.CharField(max_length=500)
    owner = serializers.PrimaryKeyRelatedField(queryset=ACTIVE_USERS)
    due_date = serializers.DateField()


class DecisionSerializer(strict.ModelSerializer):
    actions = ActionSerializer(many=True)
    signpost_service = serializers.CharField(read_only=True)  # blank unless signposted
    decided_by = UserRefSerializer()

    class Meta:
        model = PanelDecision
        fields = [
            "id",
            "referral",
            "outcome",
            "rationale",
            "signpost_service",
            "signpost_service_name",
            "case",
            "decided_by",
            "decided_at",
            "actions",
            "version",
        ]
        read_only_fields = fields


class DecisionRecordSerializer(strict.Serializer):
    referral = serializers.UUIDField()
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices)
    rationale = serializers.CharField(max_length=4000)
    signpost_service = serializers.ChoiceField(
        choices=SignpostService.choices, required=False, allow_blank=True
    )
    signpost_service_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lead_professional = serializers.PrimaryKeyRelatedField(queryset=ACTIVE_USERS, required=False)
    lead_organisation = serializers.PrimaryKeyRelatedField(
        queryset=ACTIVE_ORGANISATIONS, required=False
    )
    actions = ActionWriteSerializer(many=True, required=False)


class DecisionAmendSerializer(strict.Serializer):
    version = serializers.IntegerField(min_value=1)
    outcome = serializers.ChoiceField(choices=DecisionOutcome.choices, required=False)
    rationale = serializers.CharField(max_length=4000, required=False)
    signpost_service = serializers.ChoiceField(
        choices=SignpostService.choices, required=False, allow_blank=True
    )
    signpost_service_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    actions = ActionWriteSerializer(many=True, required=False)


class AgendaReferralSerializer(LeanRepresentation, strict.Serializer):
    id = serializers.UUIDField()
    pathway = serializers.CharField()
    area = serializers.CharField()
    organisation = NamedSerializer()
    risk_level = serializers.CharField()
    marac_referral_required = serializers.BooleanField()
    outside_focus_flag = serializers.BooleanField()
    submitted_at = serializers.DateTimeField()


class MinutesActionSerializer(strict.Serializer):
    description = serializers.CharField()
    owner = UserRefSerializer()
    due_date = serializers.DateField()
    done = serializers.SerializerMethodField()

    def get_done(self, action) -> bool:
        return action.done_at is not None


class MinutesItemSerializer(strict.Serializer):
    """A decided item, named by its referral reference: minutes carry no personal details."""

    position = serializers.IntegerField()
    reference = serializers.CharField()
    pathway = serializers.CharField(source="referral.pathway")
    pathway_label = serializers.CharField(source="referral.get_pathway_display")
    outcome = serializers.CharField(source="decision.outcome")
    outcome_label = serializers.CharField(source="decision.get_outcome_display")
    rationale = serializers.SerializerMethodField()
    signposted_to = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    withheld_reason = serializers.CharField(
        help_text="Why no rule lets this reader's organisation have the rationale and "
        "actions (blank when they are shown)"
    )

    def get_rationale(self, item) -> str:
        return "" if item.withheld_reason else item.decision.rationale

    @extend_schema_field(MinutesActionSerializer(many=True))
    def get_actions(self, item):
        if item.withheld_reason:
            return []
        return MinutesActionSerializer(item.decision.actions.all(), many=True).data

    def get_signposted_to(self, item) -> str:
        decision = item.decision
        return decision.signpost_service_name or decision.get_signpost_service_display()


class MinutesSerializer(strict.Serializer):
    meeting = MeetingSerializer()
    attendance = AttendanceSerializer(many=True)
    items = MinutesItemSerializer(many=True)
    # Filled in by the view from the page of items (``api.pagination.CursorPagination``).
    next = serializers.URLField(
        read_only=True, allow_null=True, help_text="The next page of items, if any"
    )
    previous = serializers.URLField(
        read_only=True, allow_null=True, help_text="The previous page of items, if any"
    )


class AgendaItemSerializer(LeanRepresentation, strict.Serializer):
    position = serializers.IntegerField(
        help_text="Where the item stands on this page of the agenda (1 for its first item)"
    )
    referral = AgendaReferralSerializer()
    person = PersonSummarySerializer(allow_null=True)
    narrative = serializers.CharField(allow_null=True)
    details_withheld = serializers.BooleanField()
    withheld_reason = serializers.CharField(
        help_text="Why the details are withheld from this reader (consent, or no sharing "
        "rule permits it); blank when shown"
    )
    deferred_before = serializers.BooleanField()
    decision = DecisionSerializer(allow_null=True)


class AgendaPageSerializer(strict.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last")
    previous = serializers.URLField(
        allow_null=True, help_text="Always null: the agenda is read forwards from its start"
    )
    results = AgendaItemSerializer(many=True)


class ShareSerializer(strict.ModelSerializer):
    organisation = NamedSerializer()

    class Meta:
        model = CaseShare
        fields = [
            "id",
            "organisation",
            "purpose",
            "basis",
            "lawful_basis",
            "shared_at",
            "ended_at",
            "end_reason",
        ]
        read_only_fields = fields


class ShareCreateSerializer(strict.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(queryset=ACTIVE_ORGANISATIONS)
    purpose = serializers.ChoiceField(choices=Purpose.choices)


class CaseListSerializer(LeanRepresentation, strict.ModelSerializer):
    lean_shared_fields = True
    person = PersonSummarySerializer()
    lead_organisation = NamedSerializer()

    class Meta:
        model = Case
        fields = [
            "id",
            "person",
            "pathway",
            "area",
            "status",
            "lead_organisation",
            "risk_level",
            "next_review_date",
            "opened_at",
            "version",
        ]
        read_only_fields = fields


class CaseSerializer(strict.ModelSerializer):
    person = PersonSummarySerializer()
    closure_reason = serializers.CharField(read_only=True)  # blank while open
    lead_professional = UserRefSerializer()
    lead_organisation = NamedSerializer()
    referrals = serializers.SerializerMethodField()
    turned_19_on = serializers.SerializerMethodField(
        help_text="On an open prevention case (ages 18 and under), the day the person turned 19: "
        "a prompt to consider an adult pathway. Null otherwise."
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "person",
            "pathway",
            "area",
            "status",
            "lead_professional",
            "lead_organisation",
            "risk_level",
            "next_review_date",
            "opened_at",
            "closed_at",
            "closure_reason",
            "closure_summary",
            "reopen_reason",
            "referrals",
            "turned_19_on",
            "version",
        ]
        read_only_fields = fields

    def get_referrals(self, case) -> list[str]:
        # Read with the case where the view asked for them (case_get's with_referral_ids).
        ids = getattr(case, "referral_ids", None)
        if ids is None:
            ids = case.referrals.values_list("pk", flat=True)
        return [str(pk) for pk in ids]

    def get_turned_19_on(self, case) -> datetime.date | None:
        return prevention_transition_due(case)


class RiskReviewSerializer(strict.ModelSerializer):
    reviewer = UserRefSerializer()

    class Meta:
        model = RiskReview
        fields = [
            "id",
            "level",
            "rationale",
            "reviewer",
            "reviewed_on",
            "next_review_date",
            "recorded_at",
        ]
        read_only_fields = fields


class RiskReviewCreateSerializer(strict.Serializer):
    level = serializers.ChoiceField(choices=RiskLevel.choices)
    rationale = serializers.CharField(max_length=4000)
    reviewed_on = serializers.DateField()
    next_review_date = serializers.DateField()


class NoteSerializer(strict.ModelSerializer):
    author = UserRefSerializer()
    author_organisation = NamedSerializer()

    class Meta:
        model = CaseNote
        fields = [
            "id",
            "text",
            "author",
            "author_organisation",
            "corrects",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class NoteCreateSerializer(strict.Serializer):
    text = serializers.CharField(max_length=10000)
    corrects = serializers.IntegerField(required=False, min_value=1)


class NoteEditSerializer(strict.Serializer):
    text = serializers.CharField(max_length=10000)
    version = serializers.IntegerField(min_value=1)


class CaseCloseSerializer(strict.Serializer):
    reason = serializers.ChoiceField(choices=ClosureReason.choices)
    summary = serializers.CharField(max_length=4000)


class TimelineEntrySerializer(LeanRepresentation, strict.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    summary = serializers.CharField()
    by = serializers.CharField()
    detail = serializers.CharField()
