"""Catalogue, allocation, contact and outcome endpoints: ask the operation's rule
(``interventions.permissions.require``) before reading the body, parse it, call one
service or selector, shape the answer."""

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import StrictFilterSet
from api.idempotency import idempotent
from api.interventions import serializers as s
from api.strict import refuse_body
from audit.recorder import record_access, record_children_shown
from cases.models import Case
from cases.selectors import case_get, decision_of_case
from core.errors import field_error
from interventions import services
from interventions.models import Allocation, AllocationStatus, Intervention, OutcomeMeasure
from interventions.permissions import require
from interventions.selectors import (
    allocation_get,
    allocations_visible_to,
    catalogue,
    contacts_of_allocation,
    distance_travelled,
    outcomes_of_allocation,
    outcomes_of_case,
)

CONFLICT = OpenApiResponse(description="The state no longer allows this")


class InterventionViewSet(viewsets.GenericViewSet):
    """The partnership's intervention catalogue: everyone with a role browses it,
    coordinators manage it."""

    queryset = Intervention.objects.none()
    serializer_class = s.InterventionSerializer
    filterset_fields = ["intervention_type", "provider", "active"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        require(self.request.user, "catalogue.view")
        return catalogue().order_by("name")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.InterventionSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.InterventionSerializer(self.get_object()).data)

    @extend_schema(request=s.InterventionSerializer, responses={201: s.InterventionSerializer})
    def create(self, request):
        require(request.user, "catalogue.manage")
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
        require(request.user, "catalogue.manage")
        data = s.InterventionUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        services.intervention_update(
            actor=request.user,
            intervention=intervention,
            expected_version=changes.pop("version", None),
            **changes,
        )
        return Response(s.InterventionSerializer(catalogue().get(pk=intervention.pk)).data)

    @extend_schema(responses={200: OpenApiResponse(description="Open Referral UK shaped JSON")})
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        require(request.user, "catalogue.view")
        return Response(services.catalogue_export())

    @extend_schema(
        request=s.CatalogueImportSerializer,
        responses=s.CatalogueImportResultSerializer,
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[JSONParser])
    def import_catalogue(self, request):
        require(request.user, "catalogue.manage")
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
            require(request.user, "outcome.record", allocation.case)
            data = s.OutcomeRecordCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            record = services.outcome_record(
                actor=request.user, case=allocation.case, **data.validated_data
            )
            return Response(s.OutcomeRecordSerializer(record).data, status=status.HTTP_201_CREATED)
        records = record_children_shown(
            request.user,
            object_type="outcome_record",
            records=outcomes_of_allocation(allocation),
            person_id=allocation.case.person_id,
        )
        return Response(s.OutcomeRecordSerializer(records, many=True).data)


def _cases_of_visible_allocations(request):
    """The ``case`` filter takes only a case the caller sees an allocation of: another case's
    id, or one that does not exist, is the same ``invalid_choice``."""
    if request is None:
        return Case.objects.none()
    return Case.objects.filter(pk__in=allocations_visible_to(request.user).values("case"))


class AllocationFilter(StrictFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AllocationStatus.choices)
    case = django_filters.ModelChoiceFilter(queryset=_cases_of_visible_allocations)

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
        return self.get_paginated_response(
            s.AllocationSerializer(page, many=True, context={"request": request}).data
        )

    def retrieve(self, request, pk=None):
        return Response(
            s.AllocationSerializer(
                allocation_get(request.user, pk), context={"request": request}
            ).data
        )

    @extend_schema(request=s.AllocationCreateSerializer, responses={201: s.AllocationSerializer})
    @idempotent
    def create(self, request):
        # The case and the rule first, from the raw body, so that a refused user learns
        # nothing from the body's validation; the case is read (and its access recorded) once.
        data = s.AllocationCreateSerializer(data=request.data)
        if not isinstance(request.data, dict):  # not an object: nothing to look up
            data.is_valid(raise_exception=True)
        case = case_get(request.user, request.data.get("case"))
        decision_id = request.data.get("decision")
        decision = decision_of_case(case, decision_id) if decision_id is not None else None
        require(request.user, "allocation.create", Allocation(case=case, decision=decision))
        data.is_valid(raise_exception=True)
        details = dict(data.validated_data)
        details.pop("case")
        if "decision" in details:
            if decision is None:
                raise field_error("decision", "No such decision on this case", "does_not_exist")
            details["decision"] = decision
        allocation = services.allocation_create(actor=request.user, case=case, **details)
        return Response(
            s.AllocationSerializer(allocation, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: s.AllocationSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    @idempotent
    def offer(self, request, pk=None):
        allocation = allocation_get(request.user, pk)
        require(request.user, "allocation.offer", allocation)
        refuse_body(request)
        allocation = services.allocation_offer(actor=request.user, allocation=allocation)
        return Response(s.AllocationSerializer(allocation, context={"request": request}).data)

    def _transition(self, request, pk, name):
        allocation = allocation_get(request.user, pk)
        require(request.user, f"allocation.{name}", allocation)
        data = s.AllocationActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        allocation = services.allocation_transition(
            actor=request.user,
            allocation=allocation,
            action=name,
            **data.validated_data,
        )
        return Response(s.AllocationSerializer(allocation, context={"request": request}).data)

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
            require(request.user, "allocation.contact", allocation)
            data = s.ContactCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            contact = services.contact_record(
                actor=request.user, allocation=allocation, **data.validated_data
            )
            return Response(s.ContactSerializer(contact).data, status=status.HTTP_201_CREATED)
        page = record_children_shown(
            request.user,
            object_type="contact",
            records=self.paginate_queryset(contacts_of_allocation(allocation)),
            person_id=allocation.case.person_id,
        )
        return self.get_paginated_response(s.ContactSerializer(page, many=True).data)


class OutcomeMeasureListView(APIView):
    """The outcome measures, with their scales and valid ranges."""

    @extend_schema(responses=s.OutcomeMeasureSerializer(many=True))
    def get(self, request):
        require(request.user, "catalogue.view")
        return Response(s.OutcomeMeasureSerializer(OutcomeMeasure.objects.all(), many=True).data)


class CaseOutcomesView(APIView):
    """A case's outcome records and the distance travelled on each measure."""

    def _payload(self, request, case):
        records = record_children_shown(
            request.user,
            object_type="outcome_record",
            records=outcomes_of_case(case),
            person_id=case.person_id,
        )
        return s.CaseOutcomesSerializer(
            {"records": records, "distance_travelled": distance_travelled(case)}
        ).data

    @extend_schema(responses=s.CaseOutcomesSerializer)
    def get(self, request, case_id):
        return Response(self._payload(request, case_get(request.user, case_id)))

    @extend_schema(
        request=s.OutcomeRecordCreateSerializer, responses={201: s.CaseOutcomesSerializer}
    )
    def post(self, request, case_id):
        case = case_get(request.user, case_id)
        require(request.user, "outcome.record", case)
        data = s.OutcomeRecordCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.outcome_record(actor=request.user, case=case, **data.validated_data)
        return Response(self._payload(request, case), status=status.HTTP_201_CREATED)
