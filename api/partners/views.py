"""Token, "me", organisation and membership endpoints: parse, ask the rule, call one service
or selector, shape the answer. No rules live here."""

import django_filters
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from api import permissions as api_permissions
from api.authentication import HashedTokenAuthentication
from api.filters import StrictFilterSet
from api.models import ApiToken
from api.partners import serializers
from api.selectors import api_tokens_visible_to
from api.services import api_token_issue, api_token_revoke
from api.strict import refuse_body
from partners.lockout import MESSAGE as LOCKOUT_MESSAGE
from partners.models import Membership, Organisation, User
from partners.permissions import require
from partners.selectors import active_memberships, user_roles
from partners.services import membership_create, membership_end, organisation_create
from partners.two_factor import two_factor_reset


class SignInPaused(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = LOCKOUT_MESSAGE
    # The documented code for 429; the detail says it is a sign-in pause.
    default_code = "throttled"


class TokenView(APIView):
    """Exchange a username and password for an API token; DELETE revokes the token in use."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sign_in"

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return super().get_permissions()

    def get_authenticators(self):
        # Signing in with a password needs no session, so no session CSRF check either.
        return [HashedTokenAuthentication()]

    @extend_schema(
        request=serializers.TokenRequestSerializer,
        responses={201: serializers.TokenResponseSerializer},
        auth=[],
    )
    def post(self, request):
        data = serializers.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if getattr(request._request, "axes_locked_out", False):
            raise SignInPaused()
        if user is None or not user.is_active:
            # One message for every failure: no hint whether the account exists.
            raise AuthenticationFailed("Those details did not match an active account")
        token, raw = api_token_issue(user=user, name=data.validated_data.get("name", ""))
        return Response(
            {"token": raw, "expires_at": token.expires_at}, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise PermissionDenied("Sign out of a session through the web page")
        refuse_body(request)
        api_token_revoke(token=request.auth, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _users_with_visible_tokens(request):
    """The ``user`` filter takes only someone whose tokens the caller sees: anyone else's id,
    or one that does not exist, is the same ``invalid_choice``."""
    if request is None:
        return User.objects.none()
    return User.objects.filter(pk__in=api_tokens_visible_to(request.user).values("user"))


class ApiTokenFilter(StrictFilterSet):
    user = django_filters.ModelChoiceFilter(queryset=_users_with_visible_tokens)

    class Meta:
        model = ApiToken
        fields = ["user"]


class ApiTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """API tokens with when each was last used: your own, or, for administrators, everyone's."""

    serializer_class = serializers.ApiTokenSerializer
    queryset = ApiToken.objects.none()  # typed for the schema; get_queryset decides
    filterset_class = ApiTokenFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return api_tokens_visible_to(self.request.user)

    @extend_schema(request=None, responses={200: serializers.ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = self.get_object()
        api_permissions.require(request.user, "api_token.revoke", token)
        refuse_body(request)
        token = api_token_revoke(token=token, actor=request.user)
        return Response(serializers.ApiTokenSerializer(token).data)


class MeView(APIView):
    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        user = request.user
        payload = {
            "id": user.pk,
            "username": user.username,
            "full_name": user.get_full_name(),
            "email": user.email,
            "memberships": serializers.MyMembershipSerializer(
                active_memberships(user), many=True
            ).data,
            "roles": sorted(user_roles(user)),
        }
        return Response(payload)


class TwoFactorResetView(APIView):
    """An administrator clears a user's authenticator and recovery codes (audited), for
    example after a lost phone; the user enrols again at their next sign-in."""

    @extend_schema(request=serializers.MembershipEndSerializer, responses={204: None})
    def post(self, request, user_id):
        require(request.user, "two_factor.reset")
        data = serializers.MembershipEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = get_object_or_404(User, pk=user_id)
        two_factor_reset(actor=request.user, user=user, reason=data.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganisationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The partner organisations. Everyone signed in may list them; administrators add them."""

    serializer_class = serializers.OrganisationSerializer
    queryset = Organisation.objects.all()
    filterset_fields = ["organisation_type", "area", "active"]

    def create(self, request, *args, **kwargs):
        require(request.user, "organisation.manage")
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = organisation_create(
            actor=self.request.user, **serializer.validated_data
        )


class MembershipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Who acts for which organisation, in which role. Administrators only."""

    serializer_class = serializers.MembershipSerializer
    filterset_fields = ["organisation", "role", "user"]
    queryset = Membership.objects.none()  # typed for the schema; get_queryset decides

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        require(self.request.user, "membership.manage")
        return Membership.objects.select_related("user", "organisation")

    def create(self, request, *args, **kwargs):
        self.get_queryset()  # refuses anyone but an administrator before reading the body
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = membership_create(
            actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(
        request=serializers.MembershipEndSerializer, responses=serializers.MembershipSerializer
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        membership = self.get_object()  # the rule (in get_queryset) before the body is read
        data = serializers.MembershipEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = membership_end(
            membership=membership, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(serializers.MembershipSerializer(membership).data)
