"""Panel meeting and case endpoints: parse, call one service or selector, shape the answer."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api import case_serializers as s
from api.idempotency import idempotent
from audit.recorder import record_access
from cases import services
from cases.audit import record_agenda_access
from cases.models import (
    Case,
    CaseNote,
    CaseShare,
    CaseStatus,
    PanelAction,
    PanelDecision,
    PanelMeeting,
)
from cases.permissions import require_case_action, require_meeting_action
from cases.selectors import (
    areas_for_roles,
    case_get,
    case_timeline,
    cases_visible_to,
    meeting_get,
    meetings_visible_to,
    panel_agenda,
)
from core.errors import field_error
from partners.roles import Role
from referrals.models import Referral
from referrals.pathways import Pathway

CONFLICT = OpenApiResponse(description="The state no longer allows this")


def _agenda_payload(meeting, user):
    agenda = panel_agenda(meeting)
    record_agenda_access(user, meeting, agenda)
    items = []
    for position, item in enumerate(agenda, start=1):
        referral = item.referral
        items.append(
            {
                "position": position,
                "referral": referral,
                "person": referral.person if item.details_allowed else None,
                "narrative": referral.narrative if item.details_allowed else None,
                "details_withheld": not item.details_allowed,
                "deferred_before": item.deferred_before,
                "decision": item.decision,
            }
        )
    return s.AgendaItemSerializer(items, many=True).data


class PanelViewSet(viewsets.GenericViewSet):
    """Multi-agency panel meetings. Visible to their chair and members and to the
    coordinators of their area; to anyone else they do not exist."""

    queryset = PanelMeeting.objects.none()
    serializer_class = s.MeetingSerializer
    filterset_fields = ["area", "status"]
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return meetings_visible_to(self.request.user).select_related("chair").order_by("-meets_at")

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.MeetingSerializer(page, many=True).data)

    @extend_schema(request=s.MeetingCreateSerializer, responses={201: s.MeetingSerializer})
    @idempotent
    def create(self, request):
        if not areas_for_roles(request.user, {Role.COORDINATOR}):
            raise PermissionDenied("Only coordinators arrange panels")
        data = s.MeetingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.meeting_create(actor=request.user, **data.validated_data)
        return Response(s.MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return Response(s.MeetingSerializer(meeting_get(request.user, pk)).data)

    @extend_schema(responses=s.AgendaItemSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def agenda(self, request, pk=None):
        return Response(_agenda_payload(meeting_get(request.user, pk), request.user))

    @extend_schema(methods=["GET"], responses=s.AttendanceSerializer(many=True), request=None)
    @extend_schema(
        methods=["POST"],
        request=s.AttendanceRecordSerializer,
        responses=s.AttendanceSerializer(many=True),
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def attendance(self, request, pk=None):
        meeting = meeting_get(request.user, pk)
        if request.method == "POST":
            require_meeting_action(request.user, meeting, "attendance")
            data = s.AttendanceRecordSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.attendance_record(
                actor=request.user,
                meeting=meeting,
                member=data.validated_data["user"],
                attended=data.validated_data["attended"],
            )
        attendance = meeting.attendance.select_related("user", "organisation")
        return Response(s.AttendanceSerializer(attendance, many=True).data)

    @extend_schema(methods=["GET"], responses=s.DecisionSerializer(many=True), request=None)
    @extend_schema(
        methods=["POST"],
        request=s.DecisionRecordSerializer,
        responses={201: s.DecisionSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def decisions(self, request, pk=None):
        meeting = meeting_get(request.user, pk)
        if request.method == "POST":
            return self._record_decision(request, meeting)
        decisions = (
            PanelDecision.objects.filter(meeting=meeting)
            .prefetch_related("actions__owner")
            .select_related("decided_by", "referral")
        )
        record_access(
            request.user,
            action="view_decisions",
            object_type="referral",
            objects=[d.referral for d in decisions],
            person_of=lambda referral: referral.person_id,
        )
        return Response(s.DecisionSerializer(decisions, many=True).data)

    @idempotent
    def _record_decision(self, request, meeting):
        require_meeting_action(request.user, meeting, "decide")
        data = s.DecisionRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        details = dict(data.validated_data)
        referral = Referral.objects.filter(pk=details.pop("referral")).first()
        if referral is None:
            raise field_error("referral", "No such item on the agenda", "does_not_exist")
        decision = services.decision_record(
            actor=request.user, meeting=meeting, referral=referral, **details
        )
        return Response(s.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.DecisionAmendSerializer, responses={200: s.DecisionSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["patch"], url_path=r"decisions/(?P<decision_id>\d+)")
    def amend_decision(self, request, pk=None, decision_id=None):
        meeting = meeting_get(request.user, pk)
        decision = PanelDecision.objects.filter(meeting=meeting, pk=decision_id).first()
        if decision is None:
            raise Http404("No such decision")
        require_meeting_action(request.user, meeting, "decide")
        data = s.DecisionAmendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        details = dict(data.validated_data)
        decision = services.decision_amend(
            actor=request.user,
            decision=decision,
            expected_version=details.pop("version"),
            **details,
        )
        return Response(s.DecisionSerializer(decision).data)

    @extend_schema(request=None, responses={200: s.ActionSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"decisions/(?P<decision_id>\d+)/actions/(?P<action_id>\d+)/done",
    )
    def action_done(self, request, pk=None, decision_id=None, action_id=None):
        meeting = meeting_get(request.user, pk)
        panel_action = PanelAction.objects.filter(
            decision__meeting=meeting, decision_id=decision_id, pk=action_id
        ).first()
        if panel_action is None:
            raise Http404("No such action")
        panel_action = services.action_complete(actor=request.user, action=panel_action)
        return Response(s.ActionSerializer(panel_action).data)

    def _transition(self, request, pk, service, serializer=None):
        meeting = meeting_get(request.user, pk)
        require_meeting_action(request.user, meeting, "transition")
        kwargs = {}
        if serializer is not None:
            data = serializer(data=request.data)
            data.is_valid(raise_exception=True)
            kwargs = data.validated_data
        meeting = service(actor=request.user, meeting=meeting, **kwargs)
        return Response(s.MeetingSerializer(meeting).data)

    @extend_schema(request=None, responses={200: s.MeetingSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._transition(request, pk, services.meeting_start)

    @extend_schema(request=None, responses={200: s.MeetingSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(request, pk, services.meeting_close)

    @extend_schema(
        request=s.CaseReasonSerializer, responses={200: s.MeetingSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._transition(
            request, pk, services.meeting_reopen, serializer=s.CaseReasonSerializer
        )


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)
    pathway = django_filters.ChoiceFilter(choices=Pathway.choices)
    overdue_review = django_filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = Case
        fields = ["status", "pathway", "lead_organisation", "area"]

    def filter_overdue(self, queryset, name, value):
        overdue = {"status": CaseStatus.OPEN, "next_review_date__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


class CaseViewSet(viewsets.GenericViewSet):
    """Cases opened by the panel. Visible to the lead professional, the organisations the
    case is shared with, and the coordinators and panel members of its area."""

    queryset = Case.objects.none()
    serializer_class = s.CaseSerializer
    filterset_class = CaseFilter
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return (
            cases_visible_to(self.request.user)
            .select_related("person", "lead_organisation")
            .order_by("-opened_at")
        )

    @extend_schema(responses=s.CaseListSerializer(many=True))
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        record_access(
            request.user,
            action="list",
            object_type="case",
            objects=page,
            person_of=lambda case: case.person_id,
        )
        return self.get_paginated_response(s.CaseListSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.CaseSerializer(case_get(request.user, pk)).data)

    @extend_schema(
        parameters=[OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses=s.TimelineEntrySerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        case = case_get(request.user, pk)
        paginator = self.paginator
        try:
            page_number = max(int(request.query_params.get("page", 1)), 1)
        except ValueError:
            page_number = 1
        page_size = paginator.get_page_size(request)
        entries = case_timeline(case, offset=(page_number - 1) * page_size, limit=page_size)
        return Response(
            {"page": page_number, "results": s.TimelineEntrySerializer(entries, many=True).data}
        )

    @extend_schema(methods=["GET"], responses=s.ShareSerializer(many=True), request=None)
    @extend_schema(
        methods=["POST"], request=s.ShareCreateSerializer, responses={201: s.ShareSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def shares(self, request, pk=None):
        case = case_get(request.user, pk)
        if request.method == "POST":
            require_case_action(request.user, case, "share")
            data = s.ShareCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            share = services.case_share(actor=request.user, case=case, **data.validated_data)
            return Response(s.ShareSerializer(share).data, status=status.HTTP_201_CREATED)
        return Response(
            s.ShareSerializer(case.shares.select_related("organisation"), many=True).data
        )

    @extend_schema(
        request=s.CaseReasonSerializer, responses={200: s.ShareSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"], url_path=r"shares/(?P<share_id>\d+)/end")
    def end_share(self, request, pk=None, share_id=None):
        case = case_get(request.user, pk)
        share = CaseShare.objects.filter(case=case, pk=share_id).first()
        if share is None:
            raise Http404("No such share")
        require_case_action(request.user, case, "unshare")
        data = s.CaseReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        share = services.case_unshare(
            actor=request.user, share=share, reason=data.validated_data["reason"]
        )
        return Response(s.ShareSerializer(share).data)

    @extend_schema(methods=["GET"], responses=s.RiskReviewSerializer(many=True), request=None)
    @extend_schema(
        methods=["POST"],
        request=s.RiskReviewCreateSerializer,
        responses={201: s.RiskReviewSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="risk-reviews", pagination_class=None)
    def risk_reviews(self, request, pk=None):
        case = case_get(request.user, pk)
        if request.method == "POST":
            require_case_action(request.user, case, "review")
            data = s.RiskReviewCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            review = services.risk_review_record(
                actor=request.user, case=case, **data.validated_data
            )
            return Response(s.RiskReviewSerializer(review).data, status=status.HTTP_201_CREATED)
        reviews = case.risk_reviews.select_related("reviewer")
        return Response(s.RiskReviewSerializer(reviews, many=True).data)

    @extend_schema(methods=["GET"], responses=s.NoteSerializer(many=True), request=None)
    @extend_schema(
        methods=["POST"], request=s.NoteCreateSerializer, responses={201: s.NoteSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def notes(self, request, pk=None):
        case = case_get(request.user, pk)
        if request.method == "POST":
            require_case_action(request.user, case, "note")
            data = s.NoteCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            corrects = None
            if "corrects" in data.validated_data:
                corrects = CaseNote.objects.filter(
                    case=case, pk=data.validated_data["corrects"]
                ).first()
                if corrects is None:
                    raise field_error("corrects", "No such note on this case", "does_not_exist")
            note = services.note_add(
                actor=request.user, case=case, text=data.validated_data["text"], corrects=corrects
            )
            return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)
        notes = case.notes.select_related("author", "author_organisation")
        page = self.paginate_queryset(notes)
        return self.get_paginated_response(s.NoteSerializer(page, many=True).data)

    @extend_schema(request=s.NoteEditSerializer, responses={200: s.NoteSerializer, 409: CONFLICT})
    @action(detail=True, methods=["patch"], url_path=r"notes/(?P<note_id>\d+)")
    def edit_note(self, request, pk=None, note_id=None):
        case = case_get(request.user, pk)
        note = CaseNote.objects.filter(case=case, pk=note_id).first()
        if note is None:
            raise Http404("No such note")
        if note.author_id != request.user.pk:
            raise PermissionDenied("Only the author may edit a note")
        data = s.NoteEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_edit(
            actor=request.user,
            note=note,
            text=data.validated_data["text"],
            expected_version=data.validated_data["version"],
        )
        return Response(s.NoteSerializer(note).data)

    @extend_schema(request=s.CaseCloseSerializer, responses={200: s.CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case = case_get(request.user, pk)
        require_case_action(request.user, case, "close")
        data = s.CaseCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_close(actor=request.user, case=case, **data.validated_data)
        return Response(s.CaseSerializer(case).data)

    @extend_schema(request=s.CaseReasonSerializer, responses={200: s.CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        case = case_get(request.user, pk)
        require_case_action(request.user, case, "reopen")
        data = s.CaseReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_reopen(
            actor=request.user,
            case=case,
            reason=data.validated_data["reason"],
        )
        return Response(s.CaseSerializer(case).data)
