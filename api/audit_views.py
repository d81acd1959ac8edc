"""Information governance endpoints: IG officers only, except break-glass."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api import strict
from api.filters import apply_filters, filters_asked
from api.pagination import CursorPagination
from audit.chain import verify_chain
from audit.filters import AuditEventFilter
from audit.models import AuditEvent, EventKind, FlagOutcome, ReviewFlag
from audit.permissions import require
from audit.selectors import EVENT_ORDER, audit_events, person_or_404
from audit.services import (
    MIN_REASON_LENGTH,
    break_glass,
    flag_review,
    flags_refresh,
    subject_access_export,
)
from core.compiled import compiled_query
from core.pagination import keyset_rows


class AuditEventSerializer(strict.ModelSerializer):
    # Empty for the system, and for every event but a disclosure: the schema says null.
    user = serializers.StringRelatedField(allow_null=True)
    organisation = serializers.StringRelatedField(allow_null=True)
    recipient_organisation = serializers.StringRelatedField(allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "kind",
            "occurred_at",
            "user",
            "organisation",
            "role",
            "action",
            "object_type",
            "object_id",
            "person_id",
            "channel",
            "ip_address",
            "purpose",
            "recipient_organisation",
            "data_categories",
            "basis",
            "hash",
        ]
        read_only_fields = fields


class AuditRuleMixin:
    """Asks the audit rule for the whole view set before anything else is read."""

    audit_action: str

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require(request.user, self.audit_action)


class AuditEventViewSet(AuditRuleMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The audit trail: who saw, changed or disclosed what, and when."""

    audit_action = "audit.search"
    serializer_class = AuditEventSerializer
    # Newest first by a cursor: no COUNT over millions of events, a deep page costs what the
    # first does, and events not sealed yet (no seq) show too.
    pagination_class = CursorPagination
    cursor_ordering = EVENT_ORDER
    filterset_class = AuditEventFilter
    queryset = audit_events()
    # The filters a search kept compiled applies (``api.filters.filters_asked``): not the
    # days, which the filter makes times of.
    compiled_filters = frozenset(AuditEventFilter.base_filters) - {
        "occurred_after",
        "occurred_before",
    }
    disclosures_only = False

    def list(self, request, *args, **kwargs):
        asked = filters_asked(self, request, AuditEvent)
        if asked is None:
            return super().list(request, *args, **kwargs)
        page = self.paginator.paginate_compiled(
            _event_page,
            request,
            self,
            model=AuditEvent,
            shape=(self.disclosures_only, tuple(asked)),
            values=asked,
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@compiled_query
def _event_page(shape, *, after, **asked):
    """A page of the audit search (``CursorPagination.paginate_compiled``)."""
    (disclosures_only, _filters), ordering, backwards, page_size = shape
    events = audit_events()
    if disclosures_only:
        events = events.filter(kind=EventKind.DISCLOSURE)
    return keyset_rows(
        apply_filters(AuditEventFilter, events.order_by(*ordering), asked),
        ordering=ordering,
        values=after or None,
        backwards=backwards,
        page_size=page_size,
    )


class DisclosureViewSet(AuditEventViewSet):
    """Every time personal data passed to another organisation."""

    queryset = AuditEventViewSet.queryset.filter(kind=EventKind.DISCLOSURE)
    disclosures_only = True


class ReviewFlagSerializer(strict.ModelSerializer):
    user = serializers.StringRelatedField()
    reviewed_by = serializers.StringRelatedField()
    event = AuditEventSerializer()

    class Meta:
        model = ReviewFlag
        fields = [
            "id",
            "kind",
            "user",
            "event",
            "raised_at",
            "detail",
            "reviewed_by",
            "reviewed_at",
            "outcome",
            "note",
            "version",
        ]
        read_only_fields = fields


class ReviewSerializer(strict.Serializer):
    outcome = serializers.ChoiceField(choices=FlagOutcome.choices)
    note = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(min_value=1)


class ReviewFlagViewSet(AuditRuleMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Flags for IG review, oldest unreviewed first; listing scans new events first."""

    audit_action = "audit.review"
    serializer_class = ReviewFlagSerializer
    queryset = ReviewFlag.objects.select_related(
        "user", "reviewed_by", "event__user", "event__organisation", "event__recipient_organisation"
    )
    filterset_fields = ["kind", "outcome", "user"]

    def list(self, request, *args, **kwargs):
        flags_refresh()
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ReviewSerializer, responses=ReviewFlagSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flag = flag_review(
            actor=request.user,
            flag=self.get_object(),
            outcome=data.validated_data["outcome"],
            note=data.validated_data["note"],
            expected_version=data.validated_data["version"],
        )
        return Response(ReviewFlagSerializer(flag).data)


class VerifySerializer(strict.Serializer):
    ok = serializers.BooleanField()
    checked = serializers.IntegerField()
    problem = serializers.CharField()
    seq = serializers.IntegerField(allow_null=True)
    unsealed = serializers.IntegerField(help_text="Events written but not sealed yet")


class AuditVerifyView(APIView):
    """Walk the hash chain now and say whether it is intact."""

    @extend_schema(responses=VerifySerializer)
    def get(self, request):
        require(request.user, "audit.verify")
        return Response(VerifySerializer(verify_chain()).data)


class BreakGlassRequestSerializer(strict.Serializer):
    # The service's rule, stated here too so the schema carries it (minLength).
    reason = serializers.CharField(min_length=MIN_REASON_LENGTH, max_length=2000)


class BreakGlassSerializer(strict.Serializer):
    person = serializers.UUIDField(source="person_id")
    expires_at = serializers.DateTimeField()


class BreakGlassView(APIView):
    """Open a person's records that were not shared with you, for a limited time, stating
    why. IG is told at once."""

    @extend_schema(request=BreakGlassRequestSerializer, responses={201: BreakGlassSerializer})
    def post(self, request, person_id):
        require(request.user, "audit.break_glass")
        data = BreakGlassRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = break_glass(
            actor=request.user,
            person=person_or_404(person_id),
            reason=data.validated_data["reason"],
        )
        return Response(BreakGlassSerializer(grant).data, status=status.HTTP_201_CREATED)


class SubjectAccessExportView(APIView):
    """Everything held about a person, for IG to review before release."""

    @extend_schema(responses={200: {"type": "object"}})
    def get(self, request, person_id):
        require(request.user, "audit.export")
        return Response(subject_access_export(actor=request.user, person=person_or_404(person_id)))
