"""Information sharing agreement and outside-agreement approval endpoints: ask the
operation's rule (``sharing.permissions.require``) before reading the body, parse it, call
one service or selector, shape the answer."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.sharing import serializers as s
from audit.recorder import record_access, visible_or_404
from audit.registry import registry
from core.errors import field_error
from core.ids import parse_int
from sharing import agreements as services
from sharing.models import InformationSharingAgreement, OutsideAgreementApproval
from sharing.permissions import require
from sharing.selectors import rules_in_words

CONFLICT = OpenApiResponse(description="The agreement changed, or has ended")


class AgreementViewSet(viewsets.GenericViewSet):
    """Information sharing agreements per partner organisation. Information governance
    records and changes them; coordinators and administrators read them."""

    queryset = InformationSharingAgreement.objects.none()
    serializer_class = s.AgreementSerializer
    filterset_fields = ["organisation"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        require(self.request.user, "agreement.view")
        return services.agreements_for_list().prefetch_related("signatories")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def _answer(self, agreement, status_code=status.HTTP_200_OK):
        agreement = self.get_queryset().get(pk=agreement.pk)
        return Response(
            s.AgreementSerializer(agreement, context=self.get_serializer_context()).data,
            status=status_code,
        )

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            s.AgreementSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    def retrieve(self, request, pk=None):
        return self._answer(self.get_object())

    @extend_schema(request=s.AgreementSerializer, responses={201: s.AgreementSerializer})
    @idempotent
    def create(self, request):
        require(request.user, "agreement.manage")
        data = s.AgreementSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = services.agreement_create(actor=request.user, **data.validated_data)
        return self._answer(agreement, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.AgreementUpdateSerializer,
        responses={200: s.AgreementSerializer, 409: CONFLICT},
    )
    def partial_update(self, request, pk=None):
        require(request.user, "agreement.manage")
        agreement = self.get_object()
        data = s.AgreementUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        agreement = services.agreement_update(
            actor=request.user,
            agreement=agreement,
            expected_version=changes.pop("version", None),
            **changes,
        )
        return self._answer(agreement)

    @extend_schema(
        request=s.AgreementReviewSerializer,
        responses={200: s.AgreementSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def review(self, request, pk=None):
        require(request.user, "agreement.manage")
        agreement = self.get_object()
        data = s.AgreementReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        agreement = services.agreement_review(
            actor=request.user,
            agreement=agreement,
            expected_version=fields.pop("version"),
            **fields,
        )
        return self._answer(agreement)

    @extend_schema(
        request=s.AgreementEndSerializer,
        responses={200: s.AgreementSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def end(self, request, pk=None):
        require(request.user, "agreement.manage")
        agreement = self.get_object()
        data = s.AgreementEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        agreement = services.agreement_end(
            actor=request.user,
            agreement=agreement,
            expected_version=fields.pop("version"),
            **fields,
        )
        return self._answer(agreement)

    @extend_schema(request=s.SignatorySerializer, responses={201: s.SignatorySerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def signatories(self, request, pk=None):
        require(request.user, "agreement.manage")
        agreement = self.get_object()
        data = s.SignatorySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        signatory = services.signatory_add(
            actor=request.user, agreement=agreement, **data.validated_data
        )
        return Response(s.SignatorySerializer(signatory).data, status=status.HTTP_201_CREATED)


class ApprovalViewSet(viewsets.GenericViewSet):
    """Disclosures an IG officer approved outside an agreement. Each names a person, so
    every one shown is recorded as read."""

    queryset = OutsideAgreementApproval.objects.none()
    serializer_class = s.ApprovalSerializer
    filterset_fields = ["discloser", "recipient", "purpose"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        require(self.request.user, "approval.view")
        return services.approvals_for_list()

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_access(
            request.user,
            action="list",
            object_type="outside_agreement_approval",
            objects=page,
            person_of=lambda approval: approval.person_id,
        )
        return self.get_paginated_response(s.ApprovalSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        approval = visible_or_404(
            request.user,
            self.get_queryset(),
            parse_int(pk),
            object_type="outside_agreement_approval",
            person_of=lambda approval: approval.person_id,
        )
        return Response(s.ApprovalSerializer(approval).data)

    @extend_schema(request=s.ApprovalSerializer, responses={201: s.ApprovalSerializer})
    @idempotent
    def create(self, request):
        require(request.user, "approval.record")
        data = s.ApprovalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        person = registry.people.find(fields.pop("person_id"))
        if person is None:
            raise field_error("person", "No such person", "does_not_exist")
        approval = services.outside_agreement_approve(actor=request.user, person=person, **fields)
        return Response(s.ApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)


class SharingRuleListView(APIView):
    """The disclosure rule table, in the order rules are tried, each with its layered
    gateways and their citations, for information governance to review. Every disclosure
    is checked against it; the disclosure ledger's ``basis`` is the permitting rule's id."""

    pagination_class = None

    @extend_schema(responses=s.SharingRuleSerializer(many=True))
    def get(self, request):
        require(request.user, "sharing.rules_view")
        return Response(s.SharingRuleSerializer(rules_in_words(), many=True).data)
