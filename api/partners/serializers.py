"""Shapes of token, organisation, membership and "me" requests and responses (types and
sizes only; validation of meaning lives in the services)."""

from rest_framework import serializers

from api import strict
from api.models import ApiToken
from partners.models import Area, Membership, Organisation, OrganisationType, User
from partners.roles import Role


class TokenRequestSerializer(strict.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200, style={"input_type": "password"})
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class TokenResponseSerializer(strict.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(strict.ModelSerializer):
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


class OrganisationSerializer(strict.ModelSerializer):
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


class OrganisationSummarySerializer(strict.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "code", "organisation_type", "area"]
        read_only_fields = fields


class MembershipSerializer(strict.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(active=True)
    )
    role = serializers.ChoiceField(choices=Role.choices)

    class Meta:
        model = Membership
        fields = ["id", "user", "organisation", "role", "started_at", "ended_at"]
        read_only_fields = ["id", "started_at", "ended_at"]


class MembershipEndSerializer(strict.Serializer):
    reason = serializers.CharField(max_length=500)


class MyMembershipSerializer(strict.ModelSerializer):
    organisation = OrganisationSummarySerializer()

    class Meta:
        model = Membership
        fields = ["organisation", "role"]


class MeSerializer(strict.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name")
    memberships = MyMembershipSerializer(many=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "memberships", "roles"]
