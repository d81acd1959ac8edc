"""Shapes of catalogue, allocation, contact and outcome requests and responses."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api import strict
from api.cases.serializers import UserRefSerializer
from api.referrals.serializers import NamedSerializer
from interventions.models import (
    Allocation,
    Contact,
    ContactOutcome,
    ContactType,
    Intervention,
    InterventionType,
    OutcomeKind,
    OutcomeMeasure,
    OutcomeRecord,
)
from interventions.selectors import age_band, sees_identity
from partners.models import Organisation, User
from referrals.pathways import Pathway, age_on


class InterventionSerializer(strict.ModelSerializer):
    provider = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.filter(active=True))
    intervention_type = serializers.ChoiceField(choices=InterventionType.choices)
    pathways = serializers.ListField(
        child=serializers.ChoiceField(choices=Pathway.choices), min_length=1, max_length=4
    )
    places_taken = serializers.IntegerField(read_only=True, default=None)
    waiting = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Intervention
        fields = [
            "id",
            "name",
            "description",
            "intervention_type",
            "provider",
            "pathways",
            "min_age",
            "max_age",
            "capacity",
            "funding_stream",
            "annual_funding",
            "active",
            "places_taken",
            "waiting",
            "version",
        ]
        read_only_fields = ["id", "version"]
        extra_kwargs = {
            "min_age": {"max_value": 120},
            "max_age": {"max_value": 120},
            "capacity": {"max_value": 10000},
            "annual_funding": {"min_value": 0, "allow_null": True, "required": False},
        }
        validators = []  # uniqueness is the service's to report, in its transaction


class InterventionUpdateSerializer(InterventionSerializer):
    version = serializers.IntegerField(min_value=1)

    class Meta(InterventionSerializer.Meta):
        read_only_fields = ["id"]


class CatalogueImportResultSerializer(strict.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


class AllocationCreateSerializer(strict.Serializer):
    case = serializers.UUIDField()
    decision = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="The panel decision that opened the case, when the chair allocates at panel.",
    )
    intervention = serializers.PrimaryKeyRelatedField(queryset=Intervention.objects.all())
    request = serializers.CharField(max_length=2000)
    keyworker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )


class AllocationActionSerializer(strict.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    keyworker = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False
    )


class AllocatedPersonSerializer(strict.Serializer):
    """What a provider needs to reach the person: no more."""

    given_name = serializers.CharField()
    family_name = serializers.CharField()
    age = serializers.SerializerMethodField()
    address = serializers.CharField()
    postcode = serializers.CharField()

    def get_age(self, person) -> int:
        from django.utils import timezone

        return age_on(person.date_of_birth, timezone.localdate())


class AllocationSerializer(strict.ModelSerializer):
    """``person`` is null and ``identity_shown`` false where the reader may not know who the
    allocation is for (``interventions.selectors.sees_identity``: a provider before the offer,
    after the end, or once the delivery basis is lost); ``area`` and ``age_band`` are what a
    provider plans with. Needs ``context={"request": ...}``."""

    intervention = NamedSerializer()
    provider = serializers.SerializerMethodField()
    identity_shown = serializers.SerializerMethodField()
    person = serializers.SerializerMethodField()
    area = serializers.CharField(source="case.area")
    age_band = serializers.SerializerMethodField()
    risk_level = serializers.CharField(source="case.risk_level")
    keyworker = UserRefSerializer(allow_null=True)

    class Meta:
        model = Allocation
        fields = [
            "id",
            "case",
            "intervention",
            "provider",
            "status",
            "identity_shown",
            "person",
            "area",
            "age_band",
            "risk_level",
            "request",
            "keyworker",
            "age_at_allocation",
            "missed_contacts_flag",
            "waitlisted_at",
            "status_reason",
            "created_at",
            "status_changed_at",
            "version",
        ]
        read_only_fields = fields

    def get_provider(self, allocation) -> str:
        return allocation.intervention.provider.name

    def get_identity_shown(self, allocation) -> bool:
        return sees_identity(self.context["request"].user, allocation)

    @extend_schema_field(AllocatedPersonSerializer(allow_null=True))
    def get_person(self, allocation) -> dict | None:
        if not self.get_identity_shown(allocation):
            return None
        return AllocatedPersonSerializer(allocation.case.person).data

    def get_age_band(self, allocation) -> str:
        return age_band(allocation.age_at_allocation)


class ContactSerializer(strict.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "contact_date",
            "contact_type",
            "outcome",
            "duration_minutes",
            "notes",
            "recorded_at",
        ]
        read_only_fields = ["id", "recorded_at"]


class ContactCreateSerializer(strict.Serializer):
    contact_date = serializers.DateField()
    contact_type = serializers.ChoiceField(choices=ContactType.choices)
    outcome = serializers.ChoiceField(choices=ContactOutcome.choices)
    duration_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class OutcomeMeasureSerializer(strict.ModelSerializer):
    class Meta:
        model = OutcomeMeasure
        fields = [
            "id",
            "code",
            "name",
            "scale",
            "min_value",
            "max_value",
            "higher_is_better",
            "recorded_by_type",
            "derived",
        ]
        read_only_fields = fields


class OutcomeRecordSerializer(strict.ModelSerializer):
    measure = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organisation = NamedSerializer()

    class Meta:
        model = OutcomeRecord
        fields = ["id", "measure", "kind", "value", "recorded_on", "organisation", "created_at"]
        read_only_fields = fields


class OutcomeRecordCreateSerializer(strict.Serializer):
    measure = serializers.CharField(max_length=50, help_text="The measure's code")

    def validate_measure(self, code):
        measure = OutcomeMeasure.objects.filter(code=code).first()
        if measure is None:
            raise serializers.ValidationError("No such outcome measure", code="does_not_exist")
        return measure

    kind = serializers.ChoiceField(choices=OutcomeKind.choices)
    value = serializers.DecimalField(max_digits=7, decimal_places=2)
    recorded_on = serializers.DateField()


class DistanceSerializer(strict.Serializer):
    measure = serializers.CharField(source="measure.code")
    name = serializers.CharField(source="measure.name")
    baseline = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    latest = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    change = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    improved = serializers.BooleanField(allow_null=True)


class CaseOutcomesSerializer(strict.Serializer):
    records = OutcomeRecordSerializer(many=True)
    distance_travelled = DistanceSerializer(many=True)


# --- The catalogue import body (Open Referral UK shaped, as the export writes it) ---------
# Documentation of the body only: ``interventions.services.catalogue_import`` reads and
# checks it, all or nothing, naming the failing entry (``organizations.0.services.2``).


class CatalogueEligibilitySerializer(strict.Serializer):
    minimum_age = serializers.IntegerField(min_value=0)
    maximum_age = serializers.IntegerField(min_value=0)
    pathways = serializers.ListField(child=serializers.ChoiceField(choices=Pathway.choices))


class CatalogueFundingSerializer(strict.Serializer):
    source = serializers.CharField(max_length=200, required=False, allow_blank=True)
    annual_amount = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)


class CatalogueServiceSerializer(strict.Serializer):
    id = serializers.CharField(max_length=300, required=False)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=["active", "inactive"], required=False)
    service_types = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False
    )
    eligibility = CatalogueEligibilitySerializer()
    capacity = serializers.IntegerField(min_value=0)
    funding = CatalogueFundingSerializer(many=True, required=False)


class CatalogueOrganisationSerializer(strict.Serializer):
    id = serializers.CharField(max_length=64, help_text="The partner organisation's code")
    name = serializers.CharField(max_length=200, required=False)
    services = CatalogueServiceSerializer(many=True, required=False)


class CatalogueImportSerializer(strict.Serializer):
    organizations = CatalogueOrganisationSerializer(many=True)
