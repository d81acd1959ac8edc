"""Panel meeting and case endpoints: ask the operation's rule (``cases.permissions.require``)
before reading the body, parse it, call one service or selector, shape the answer."""

import django_filters
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api.cases import serializers as s
from api.filters import StrictBooleanFilter, StrictFilterSet, apply_filters, filters_asked
from api.idempotency import idempotent
from api.pagination import CursorPagination, PageNumberPagination
from api.strict import refuse_body
from audit.recorder import record_access, record_children_shown
from cases import services
from cases.disclosures import record_agenda_access, release_minutes
from cases.minutes import csv_filename, write_minutes_csv
from cases.models import Case, CaseStatus, PanelMeeting
from cases.permissions import require
from cases.selectors import (
    action_of_decision,
    agenda_referral,
    as_listed_cases,
    case_get,
    case_timeline_page,
    cases_visible_to,
    decision_of_meeting,
    decisions_of_meeting_page,
    filter_overdue_review,
    meeting_get,
    meeting_minutes,
    meetings_visible_to,
    note_of_case,
    notes_of_case,
    panel_agenda_page,
    risk_reviews_of_case,
    share_of_case,
    shares_of_case,
    visible_cases_page,
    visible_cases_page_compiled,
)
from core.pagination import CURSOR_PARAM, InvalidCursor, keyset_page
from referrals.pathways import Pathway

CONFLICT = OpenApiResponse(description="The state no longer allows this")
# A page of a list inside a larger answer (the agenda, the minutes' items).
PAGE_PARAMETERS = [
    OpenApiParameter(CURSOR_PARAM, str, description="The cursor of a next link."),
    OpenApiParameter("page_size", int, description="Items per page."),
]


class CsvRenderer(BaseRenderer):
    """Lets a client ask for ``text/csv``; the CSV itself is written by the view (an
    ``HttpResponse``), so this renders only an error's detail, as one line of text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and data.get("errors"):
            return "; ".join(str(e.get("detail", "")) for e in data["errors"]).encode()
        return str(data).encode()


def _read_page(request, paginator, read, *args, **kwargs):
    """``read(*args, **kwargs, cursor=..., page_size=...)`` as this request asks; a cursor
    that is not the list's own is a 400 naming it."""
    try:
        return read(
            *args,
            **kwargs,
            cursor=request.query_params.get(CURSOR_PARAM),
            page_size=paginator.get_page_size(request),
        )
    except InvalidCursor as exc:
        raise ValidationError({CURSOR_PARAM: [str(exc)]}, code="invalid") from exc


# An agenda item's serializer, made once: made per request, its fields (and the decision's,
# a model serializer's, built from the model) were copied afresh each time for the same
# answer. Reading an item keeps no state on it.
_AGENDA_ITEM = s.AgendaItemSerializer()


def _agenda_page(request, meeting):
    """A page of the agenda, as the list endpoints page: ``cursor`` and ``page_size``; only
    the items shown are read in full and recorded. A cursor that is not one of the agenda's
    is a 400 naming it."""
    paginator = CursorPagination()
    page = _read_page(request, paginator, panel_agenda_page, meeting)
    record_agenda_access(request.user, meeting, page.items)
    items = []
    for position, item in enumerate(page.items, start=1):
        referral = item.referral
        items.append(
            {
                "position": position,
                "referral": referral,
                "person": referral.person if item.details_allowed else None,
                "narrative": referral.narrative if item.details_allowed else None,
                "details_withheld": not item.details_allowed,
                "withheld_reason": item.withheld_reason,
                "deferred_before": item.deferred_before,
                "decision": item.decision,
            }
        )
    next_link = None
    if page.next_cursor:
        next_link = replace_query_param(
            request.build_absolute_uri(), CURSOR_PARAM, page.next_cursor
        )
    return {
        "next": next_link,
        "previous": None,
        "results": [_AGENDA_ITEM.to_representation(item) for item in items],
    }


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
        require(request.user, "meeting.arrange")
        data = s.MeetingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.meeting_create(actor=request.user, **data.validated_data)
        return Response(s.MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return Response(s.MeetingSerializer(meeting_get(request.user, pk)).data)

    @extend_schema(parameters=PAGE_PARAMETERS, responses=s.AgendaPageSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def agenda(self, request, pk=None):
        """The meeting's agenda a page at a time, by risk then age: its decided items and
        (until it closes) the referrals awaiting it. Follow ``next`` for the rest."""
        return Response(_agenda_page(request, meeting_get(request.user, pk)))

    @extend_schema(parameters=PAGE_PARAMETERS, responses=s.MinutesSerializer)
    @action(detail=True, methods=["get"], pagination_class=None)
    def minutes(self, request, pk=None):
        """The minutes of a closed meeting (404 before it closes), as on the printable page:
        attendance, and each decided item by referral reference with its actions, a page
        of items at a time (``cursor``, ``page_size``; follow ``next``)."""
        paginator = CursorPagination()
        meeting = meeting_get(request.user, pk)

        def page_of(items, ordering):
            return _read_page(request, paginator, keyset_page, items, ordering=ordering)

        minutes = release_minutes(request.user, meeting_minutes(meeting, page_of=page_of))
        paginator.request, paginator.page = request, minutes.page
        return Response(
            s.MinutesSerializer(minutes).data
            | {"next": paginator.get_next_link(), "previous": paginator.get_previous_link()}
        )

    @extend_schema(
        responses={(200, "text/csv"): OpenApiTypes.STR},
        description="The minutes as the web's CSV download: one row per meeting, attendance, "
        "decision and action; cells that a spreadsheet would run as formulas are escaped.",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="minutes/csv",
        url_name="minutes-csv",
        pagination_class=None,
        # JSON first, so errors are JSON like every other endpoint's; the CSV bypasses both.
        renderer_classes=[JSONRenderer, CsvRenderer],
    )
    def minutes_csv(self, request, pk=None):
        minutes = release_minutes(request.user, meeting_minutes(meeting_get(request.user, pk)))
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        write_minutes_csv(minutes, response)
        response["Content-Disposition"] = f'attachment; filename="{csv_filename(minutes)}"'
        return response

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
            require(request.user, "meeting.attendance", meeting)
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
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=CursorPagination,
        filter_backends=[],
    )
    def decisions(self, request, pk=None):
        """The meeting's decisions in the order they were made, a page at a time from a
        cursor (``decisions_of_meeting_page``)."""
        meeting = meeting_get(request.user, pk)
        if request.method == "POST":
            return self._record_decision(request, meeting)
        paginator = self.paginator
        page = _read_page(request, paginator, decisions_of_meeting_page, meeting)
        paginator.request, paginator.page = request, page
        record_access(
            request.user,
            action="view_decisions",
            object_type="referral",
            objects=[d.referral for d in page.items],
            person_of=lambda referral: referral.person_id,
        )
        return paginator.get_paginated_response(s.DecisionSerializer(page.items, many=True).data)

    decisions.idempotent = True  # its POST (_record_decision), for api.schema

    @idempotent
    def _record_decision(self, request, meeting):
        require(request.user, "meeting.decide", meeting)
        data = s.DecisionRecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        details = dict(data.validated_data)
        referral = agenda_referral(details.pop("referral"))
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
        decision = decision_of_meeting(meeting, decision_id)
        require(request.user, "meeting.decide", meeting)
        data = s.DecisionAmendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        details = dict(data.validated_data)
        decision = services.decision_amend(
            actor=request.user,
            decision=decision,
            expected_version=details.pop("version", None),
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
        panel_action = action_of_decision(meeting, decision_id, action_id)
        require(request.user, "action.complete", panel_action)
        refuse_body(request)
        panel_action = services.action_complete(actor=request.user, action=panel_action)
        return Response(s.ActionSerializer(panel_action).data)

    def _transition(self, request, pk, operation, service, serializer=None):
        meeting = meeting_get(request.user, pk)
        require(request.user, operation, meeting)
        kwargs = {}
        if serializer is None:
            refuse_body(request)
        else:
            data = serializer(data=request.data)
            data.is_valid(raise_exception=True)
            kwargs = data.validated_data
        meeting = service(actor=request.user, meeting=meeting, **kwargs)
        return Response(s.MeetingSerializer(meeting).data)

    @extend_schema(request=None, responses={200: s.MeetingSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._transition(request, pk, "meeting.start", services.meeting_start)

    @extend_schema(request=None, responses={200: s.MeetingSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(request, pk, "meeting.close", services.meeting_close)

    @extend_schema(
        request=s.CaseReasonSerializer, responses={200: s.MeetingSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._transition(
            request,
            pk,
            "meeting.reopen",
            services.meeting_reopen,
            serializer=s.CaseReasonSerializer,
        )


class CaseFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)
    pathway = django_filters.ChoiceFilter(choices=Pathway.choices)
    overdue_review = StrictBooleanFilter(method="filter_overdue")

    class Meta:
        model = Case
        fields = ["status", "pathway", "lead_organisation", "area"]

    def filter_overdue(self, queryset, name, value):
        return filter_overdue_review(queryset, overdue=value)


def _filtered_cases(cases, asked: dict):
    """The case list's filters on ``cases`` (``visible_cases_page_compiled``)."""
    return apply_filters(CaseFilter, cases, asked)


class CaseViewSet(viewsets.GenericViewSet):
    """Cases opened by the panel. Visible to the lead professional, the organisations the
    case is shared with, and the coordinators and panel members of its area."""

    queryset = Case.objects.none()
    serializer_class = s.CaseSerializer
    filterset_class = CaseFilter
    lookup_value_regex = "[0-9a-fA-F-]{36}"
    # Newest first, a page at a time from a cursor, no count (``visible_cases_page``).
    pagination_class = CursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return cases_visible_to(self.request.user).select_related("person", "lead_organisation")

    # The filters a list kept compiled applies (``filters_asked``): not the overdue review,
    # a method of the filter set's own.
    compiled_filters = frozenset({"status", "pathway", "lead_organisation", "area"})

    @extend_schema(responses=s.CaseListSerializer(many=True))
    def list(self, request):
        paginator = self.paginator
        cursor = request.query_params.get(CURSOR_PARAM)
        page_size = paginator.get_page_size(request)
        asked = filters_asked(self, request, Case)
        try:
            if asked is None:
                among = self.filter_queryset(as_listed_cases(Case.objects.all()))
                page = visible_cases_page(request.user, among, cursor=cursor, page_size=page_size)
            else:
                page = visible_cases_page_compiled(
                    request.user,
                    narrow=_filtered_cases,
                    asked=asked,
                    cursor=cursor,
                    page_size=page_size,
                )
        except InvalidCursor as exc:
            raise ValidationError({CURSOR_PARAM: [str(exc)]}, code="invalid") from exc
        paginator.request, paginator.page = request, page
        record_access(
            request.user,
            action="list",
            object_type="case",
            objects=page.items,
            person_of=lambda case: case.person_id,
        )
        return paginator.get_paginated_response(s.CaseListSerializer(page.items, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.CaseSerializer(case_get(request.user, pk, with_referral_ids=True)).data)

    @extend_schema(responses=s.TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[])
    def timeline(self, request, pk=None):
        """Newest first, a page at a time from a cursor (``case_timeline_page``)."""
        case = case_get(request.user, pk)
        paginator = self.paginator
        page = _read_page(request, paginator, case_timeline_page, case)
        paginator.request, paginator.page = request, page
        return paginator.get_paginated_response(
            s.TimelineEntrySerializer(page.items, many=True).data
        )

    @extend_schema(methods=["GET"], responses=s.ShareSerializer(many=True), request=None)
    @extend_schema(
        methods=["POST"], request=s.ShareCreateSerializer, responses={201: s.ShareSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def shares(self, request, pk=None):
        case = case_get(request.user, pk)
        if request.method == "POST":
            require(request.user, "case.share", case)
            data = s.ShareCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            share = services.case_share(actor=request.user, case=case, **data.validated_data)
            return Response(s.ShareSerializer(share).data, status=status.HTTP_201_CREATED)
        shares = record_children_shown(
            request.user,
            object_type="case_share",
            records=shares_of_case(case),
            person_id=case.person_id,
        )
        return Response(s.ShareSerializer(shares, many=True).data)

    @extend_schema(
        request=s.CaseReasonSerializer, responses={200: s.ShareSerializer, 409: CONFLICT}
    )
    @action(detail=True, methods=["post"], url_path=r"shares/(?P<share_id>\d+)/end")
    def end_share(self, request, pk=None, share_id=None):
        case = case_get(request.user, pk)
        share = share_of_case(case, share_id)
        require(request.user, "case.unshare", case)
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
            require(request.user, "case.review", case)
            data = s.RiskReviewCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            review = services.risk_review_record(
                actor=request.user, case=case, **data.validated_data
            )
            return Response(s.RiskReviewSerializer(review).data, status=status.HTTP_201_CREATED)
        reviews = record_children_shown(
            request.user,
            object_type="risk_review",
            records=risk_reviews_of_case(case),
            person_id=case.person_id,
        )
        return Response(s.RiskReviewSerializer(reviews, many=True).data)

    @extend_schema(methods=["GET"], responses=s.NoteSerializer(many=True), request=None)
    @extend_schema(
        methods=["POST"], request=s.NoteCreateSerializer, responses={201: s.NoteSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=PageNumberPagination)
    def notes(self, request, pk=None):
        case = case_get(request.user, pk)
        if request.method == "POST":
            require(request.user, "case.note", case)
            data = s.NoteCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            note = services.note_add(
                actor=request.user,
                case=case,
                text=data.validated_data["text"],
                corrects=data.validated_data.get("corrects"),
            )
            return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)
        page = record_children_shown(
            request.user,
            object_type="case_note",
            records=self.paginate_queryset(notes_of_case(case)),
            person_id=case.person_id,
        )
        return self.get_paginated_response(s.NoteSerializer(page, many=True).data)

    @extend_schema(request=s.NoteEditSerializer, responses={200: s.NoteSerializer, 409: CONFLICT})
    @action(detail=True, methods=["patch"], url_path=r"notes/(?P<note_id>\d+)")
    def edit_note(self, request, pk=None, note_id=None):
        case = case_get(request.user, pk)
        note = note_of_case(case, note_id)
        require(request.user, "note.edit", note)
        data = s.NoteEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = services.note_edit(
            actor=request.user,
            note=note,
            text=data.validated_data["text"],
            expected_version=data.validated_data.get("version"),
        )
        return Response(s.NoteSerializer(note).data)

    @extend_schema(request=s.CaseCloseSerializer, responses={200: s.CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case = case_get(request.user, pk)
        require(request.user, "case.close", case)
        data = s.CaseCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_close(actor=request.user, case=case, **data.validated_data)
        return Response(s.CaseSerializer(case).data)

    @extend_schema(request=s.CaseReasonSerializer, responses={200: s.CaseSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        case = case_get(request.user, pk)
        require(request.user, "case.reopen", case)
        data = s.CaseReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_reopen(
            actor=request.user,
            case=case,
            reason=data.validated_data["reason"],
        )
        return Response(s.CaseSerializer(case).data)
