"""Catalogue, allocation, contact and outcome endpoints."""

import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api import intervention_serializers as s
from api.idempotency import idempotent
from audit.recorder import record_access
from cases.models import PanelDecision
from cases.permissions import require_case_action
from cases.selectors import case_get
from core.errors import field_error
from interventions import services
from interventions.models import Allocation, AllocationStatus, Intervention, OutcomeMeasure
from interventions.permissions import require_allocation_action
from interventions.selectors import (
    allocation_get,
    allocations_visible_to,
    catalogue,
    distance_travelled,
)
from partners.selectors import active_memberships

CONFLICT = OpenApiResponse(description="The state no longer allows this")


def _require_a_role(user):
    if not active_memberships(user):
        raise PermissionDenied("You hold no role in the partnership")


class InterventionViewSet(viewsets.GenericViewSet):
    """The partnership's intervention catalogue: everyone with a role browses it,
    coordinators manage it."""

    queryset = Intervention.objects.none()
    serializer_class = s.InterventionSerializer
    filterset_fields = ["intervention_type", "provider", "active"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        _require_a_role(self.request.user)
        return catalogue().order_by("name")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.InterventionSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.InterventionSerializer(self.get_object()).data)

    @extend_schema(request=s.InterventionSerializer, responses={201: s.InterventionSerializer})
    def create(self, request):
        services.require_catalogue_manager(request.user)
        data = s.InterventionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = {
            k: v for k, v in data.validated_data.items() if k not in {"places_taken", "waiting"}
        }
        intervention = services.intervention_create(actor=request.user, **fields)
        return Response(
            s.InterventionSerializer(catalogue().get(pk=intervention.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=s.InterventionUpdateSerializer,
        responses={200: s.InterventionSerializer, 409: CONFLICT},
    )
    def partial_update(self, request, pk=None):
        intervention = self.get_object()
        services.require_catalogue_manager(request.user)
        data = s.InterventionUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "version" not in changes:
            raise field_error("version", "Say which version you are changing", "required")
        services.intervention_update(
            actor=request.user,
            intervention=intervention,
            expected_version=changes.pop("version"),
            **changes,
        )
        return Response(s.InterventionSerializer(catalogue().get(pk=intervention.pk)).data)

    @extend_schema(responses={200: OpenApiResponse(description="Open Referral UK shaped JSON")})
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        _require_a_role(request.user)
        return Response(services.catalogue_export())

    @extend_schema(
        request={"application/json": {"type": "object"}},
        responses=s.CatalogueImportResultSerializer,
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[JSONParser])
    def import_catalogue(self, request):
        services.require_catalogue_manager(request.user)
        return Response(services.catalogue_import(actor=request.user, data=request.data))


class AllocationOutcomesMixin:
    @extend_schema(methods=["GET"], responses=s.OutcomeRecordSerializer(many=True), request=None)
    @extend_schema(
        methods=["POST"],
        request=s.OutcomeRecordCreateSerializer,
        responses={201: s.OutcomeRecordSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def outcomes(self, request, pk=None):
        """Outcomes recorded through this allocation (how providers record them)."""
        allocation = allocation_get(request.user, pk)
        if request.method == "POST":
            require_allocation_action(request.user, allocation, "outcome")
            data = s.OutcomeRecordCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            record = services.outcome_record(
                actor=request.user, case=allocation.case, **data.validated_data
            )
            return Response(s.OutcomeRecordSerializer(record).data, status=status.HTTP_201_CREATED)
        records = allocation.outcomes.select_related("measure", "organisation")
        return Response(s.OutcomeRecordSerializer(records, many=True).data)


class AllocationFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AllocationStatus.choices)

    class Meta:
        model = Allocation
        fields = ["status", "intervention", "case", "missed_contacts_flag"]


class AllocationViewSet(AllocationOutcomesMixin, viewsets.GenericViewSet):
    """Allocations of cases to interventions. Providers see their organisation's
    allocations, and of the person only what they need to deliver."""

    queryset = Allocation.objects.none()
    serializer_class = s.AllocationSerializer
    filterset_class = AllocationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            allocations_visible_to(self.request.user)
            .select_related("intervention__provider", "case__person", "keyworker")
            .order_by("-created_at")
        )

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_access(
            request.user,
            action="list",
            object_type="allocation",
            objects=page,
            person_of=lambda allocation: allocation.case.person_id,
        )
        return self.get_paginated_response(s.AllocationSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.AllocationSerializer(allocation_get(request.user, pk)).data)

    @extend_schema(request=s.AllocationCreateSerializer, responses={201: s.AllocationSerializer})
    @idempotent
    def create(self, request):
        data = s.AllocationCreateSerializer(data=request.data)
        if isinstance(request.data, dict):
            # The case first: a refused user learns nothing from the body's validation.
            case = case_get(request.user, request.data.get("case"))
            if "decision" not in request.data:  # the chair allocates at panel, by decision
                require_case_action(request.user, case, "allocate")
        data.is_valid(raise_exception=True)
        case = case_get(request.user, data.validated_data["case"])
        details = dict(data.validated_data)
        details.pop("case")
        if "decision" in details:
            details["decision"] = (
                PanelDecision.objects.filter(pk=details["decision"], case=case)
                .select_related("meeting")
                .first()
            )
            if details["decision"] is None:
                raise field_error("decision", "No such decision on this case", "does_not_exist")
        allocation = services.allocation_create(actor=request.user, case=case, **details)
        return Response(s.AllocationSerializer(allocation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.AllocationSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    @idempotent
    def offer(self, request, pk=None):
        allocation = allocation_get(request.user, pk)
        require_allocation_action(request.user, allocation, "offer")
        allocation = services.allocation_offer(actor=request.user, allocation=allocation)
        return Response(s.AllocationSerializer(allocation).data)

    def _transition(self, request, pk, name):
        allocation = allocation_get(request.user, pk)
        require_allocation_action(request.user, allocation, name)
        data = s.AllocationActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        allocation = services.allocation_transition(
            actor=request.user,
            allocation=allocation,
            action=name,
            **data.validated_data,
        )
        return Response(s.AllocationSerializer(allocation).data)

    @extend_schema(
        request=s.AllocationActionSerializer, responses={200: s.AllocationSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._transition(request, pk, "accept")

    @extend_schema(
        request=s.AllocationActionSerializer, responses={200: s.AllocationSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._transition(request, pk, "decline")

    @extend_schema(
        request=s.AllocationActionSerializer, responses={200: s.AllocationSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._transition(request, pk, "start")

    @extend_schema(
        request=s.AllocationActionSerializer, responses={200: s.AllocationSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._transition(request, pk, "complete")

    @extend_schema(
        request=s.AllocationActionSerializer, responses={200: s.AllocationSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def disengage(self, request, pk=None):
        return self._transition(request, pk, "disengage")

    @extend_schema(
        request=s.AllocationActionSerializer, responses={200: s.AllocationSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._transition(request, pk, "withdraw")

    @extend_schema(
        request=s.AllocationActionSerializer, responses={200: s.AllocationSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._transition(request, pk, "cancel")

    @extend_schema(methods=["GET"], responses=s.ContactSerializer(many=True), request=None)
    @extend_schema(
        methods=["POST"], request=s.ContactCreateSerializer, responses={201: s.ContactSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def contacts(self, request, pk=None):
        allocation = allocation_get(request.user, pk)
        if request.method == "POST":
            require_allocation_action(request.user, allocation, "contact")
            data = s.ContactCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            contact = services.contact_record(
                actor=request.user, allocation=allocation, **data.validated_data
            )
            return Response(s.ContactSerializer(contact).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(allocation.contacts.all())
        return self.get_paginated_response(s.ContactSerializer(page, many=True).data)


class OutcomeMeasureListView(APIView):
    """The outcome measures, with their scales and valid ranges."""

    @extend_schema(responses=s.OutcomeMeasureSerializer(many=True))
    def get(self, request):
        _require_a_role(request.user)
        return Response(s.OutcomeMeasureSerializer(OutcomeMeasure.objects.all(), many=True).data)


class CaseOutcomesView(APIView):
    """A case's outcome records and the distance travelled on each measure."""

    def _payload(self, case):
        records = case.outcomes.select_related("measure", "organisation")
        return s.CaseOutcomesSerializer(
            {"records": records, "distance_travelled": distance_travelled(case)}
        ).data

    @extend_schema(responses=s.CaseOutcomesSerializer)
    def get(self, request, case_id):
        return Response(self._payload(case_get(request.user, case_id)))

    @extend_schema(
        request=s.OutcomeRecordCreateSerializer, responses={201: s.CaseOutcomesSerializer}
    )
    def post(self, request, case_id):
        case = case_get(request.user, case_id)
        require_case_action(request.user, case, "record_outcome")
        data = s.OutcomeRecordCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.outcome_record(actor=request.user, case=case, **data.validated_data)
        return Response(self._payload(case), status=status.HTTP_201_CREATED)
