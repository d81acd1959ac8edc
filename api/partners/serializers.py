"""Shapes of API requests and responses. Validation of meaning lives in the services; these
only check types and sizes, so a field that is too long never reaches a service."""

from rest_framework import serializers

from api.models import ApiToken
from partners.models import Area, Membership, Organisation, OrganisationType, User
from partners.roles import Role
from referrals.models import Gender, Person
from referrals.services import ADDRESS_MAX_LENGTH, NAME_MAX_LENGTH


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = [
            "id",
            "user",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


class OrganisationSerializer(serializers.ModelSerializer):
    organisation_type = serializers.ChoiceField(choices=OrganisationType.choices)
    area = serializers.ChoiceField(choices=Area.choices)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "code",
            "organisation_type",
            "area",
            "provides_social_care",
            "active",
        ]
        read_only_fields = ["id", "active"]
        # Uniqueness is the service's (and the database's) to decide, in one transaction.
        extra_kwargs = {"name": {"validators": []}, "code": {"validators": []}}


class OrganisationSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "code", "organisation_type", "area"]
        read_only_fields = fields


class MembershipSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(active=True)
    )
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "user", "organisation", "role", "started_at", "ended_at"]
        read_only_fields = ["id", "started_at", "ended_at"]


class MembershipEndSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class MyMembershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationSummarySerializer()

    class Meta:
        model = Membership
        fields = ["organisation", "role"]


class MeSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name")
    memberships = MyMembershipSerializer(many=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "memberships", "roles"]


def _text(max_length, **kwargs):
    return serializers.CharField(max_length=max_length, trim_whitespace=True, **kwargs)


class PersonWriteSerializer(serializers.Serializer):
    given_name = _text(NAME_MAX_LENGTH)
    family_name = _text(NAME_MAX_LENGTH)
    date_of_birth = serializers.DateField()
    gender = serializers.ChoiceField(choices=Gender.choices, required=False)
    address = _text(ADDRESS_MAX_LENGTH, required=False, allow_blank=True)
    postcode = _text(10, required=False, allow_blank=True)
    nhs_number = _text(12, required=False, allow_blank=True)
    police_reference = _text(30, required=False, allow_blank=True)
    unique_pupil_number = _text(15, required=False, allow_blank=True)


class PersonCreateSerializer(PersonWriteSerializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(active=True),
        required=False,
        help_text="The organisation you act for; needed only if you act for more than one.",
    )


class PersonUpdateSerializer(PersonWriteSerializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The version you read; a stale version is refused with 409."
    )
    reason = _text(500, required=False, allow_blank=True)

    def validate(self, attrs):
        if "version" not in attrs:
            raise serializers.ValidationError(
                {"version": "Say which version you are changing"}, code="required"
            )
        return attrs


class PersonSerializer(serializers.ModelSerializer):
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
            "created_by_organisation",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class PersonMatchQuerySerializer(serializers.Serializer):
    family_name = _text(NAME_MAX_LENGTH, required=False)
    date_of_birth = serializers.DateField(required=False)
    nhs_number = _text(12, required=False)
    police_reference = _text(30, required=False)
    unique_pupil_number = _text(15, required=False)
