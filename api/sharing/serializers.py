"""Shapes of information sharing agreement and outside-agreement approval requests and
responses (types and sizes only; meaning is the services' to check)."""

from rest_framework import serializers

from api import strict
from partners.models import Organisation
from sharing.models import InformationSharingAgreement, OutsideAgreementApproval, Signatory
from sharing.vocabulary import DataCategory, Purpose


def _organisation_field(**kwargs):
    return serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(active=True), **kwargs
    )


class SignatorySerializer(strict.ModelSerializer):
    organisation = _organisation_field()

    class Meta:
        model = Signatory
        fields = ["id", "name", "role", "organisation", "signed_on"]
        read_only_fields = ["id"]


class AgreementSerializer(strict.ModelSerializer):
    organisation = _organisation_field()
    purposes = serializers.ListField(
        child=serializers.ChoiceField(choices=Purpose.choices), min_length=1, max_length=10
    )
    data_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices), min_length=1, max_length=10
    )
    signatories = SignatorySerializer(many=True, read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = InformationSharingAgreement
        fields = [
            "id",
            "organisation",
            "reference",
            "title",
            "purposes",
            "data_categories",
            "starts_on",
            "review_on",
            "ends_on",
            "end_reason",
            "last_reviewed_on",
            "review_note",
            "status",
            "signatories",
            "version",
        ]
        read_only_fields = [
            "id",
            "end_reason",
            "last_reviewed_on",
            "review_note",
            "status",
            "signatories",
            "version",
        ]
        # Uniqueness is the service's to report, in its transaction.
        extra_kwargs = {"reference": {"validators": []}}

    def get_status(self, agreement) -> str:
        return agreement.status(self.context["today"])


class AgreementUpdateSerializer(AgreementSerializer):
    version = serializers.IntegerField(min_value=1)

    class Meta(AgreementSerializer.Meta):
        read_only_fields = [f for f in AgreementSerializer.Meta.read_only_fields if f != "version"]


class AgreementReviewSerializer(strict.Serializer):
    next_review_on = serializers.DateField()
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1)


class AgreementEndSerializer(strict.Serializer):
    ends_on = serializers.DateField()
    reason = serializers.CharField(max_length=1000)
    version = serializers.IntegerField(min_value=1)


class ApprovalSerializer(strict.ModelSerializer):
    discloser = _organisation_field()
    recipient = _organisation_field()
    person = serializers.UUIDField(source="person_id")
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    data_categories = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices), min_length=1, max_length=10
    )
    reason = serializers.CharField(max_length=2000)
    approved_by = serializers.StringRelatedField()

    class Meta:
        model = OutsideAgreementApproval
        fields = [
            "id",
            "discloser",
            "recipient",
            "person",
            "purpose",
            "data_categories",
            "reason",
            "approved_by",
            "approved_at",
            "valid_until",
        ]
        read_only_fields = ["id", "approved_by", "approved_at"]


class GatewaySerializer(strict.Serializer):
    layer = serializers.CharField(help_text="article_6, article_9, article_10, part_3 or power")
    layer_label = serializers.CharField()
    title = serializers.CharField()
    citation = serializers.CharField()


class SharingRuleSerializer(strict.Serializer):
    id = serializers.CharField(help_text="Stable id; the disclosure ledger's basis names it")
    title = serializers.CharField()
    summary = serializers.CharField()
    standing = serializers.BooleanField(
        help_text="False: applies only where an approved lawful basis relies on it"
    )
    age = serializers.CharField()
    age_label = serializers.CharField()
    disclosers = serializers.ListField(child=serializers.CharField())
    discloser_labels = serializers.ListField(child=serializers.CharField())
    recipients = serializers.ListField(child=serializers.CharField())
    recipient_labels = serializers.ListField(child=serializers.CharField())
    data_categories = serializers.ListField(child=serializers.CharField())
    data_category_labels = serializers.ListField(child=serializers.CharField())
    purposes = serializers.ListField(child=serializers.CharField())
    purpose_labels = serializers.ListField(child=serializers.CharField())
    gateways = GatewaySerializer(many=True)
    limits = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())
