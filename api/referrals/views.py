"""People, referral, consent and pathway endpoints: parse, ask the rule (before reading a
body), call one service or selector, shape the answer."""

import django_filters
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import StrictFilterSet, apply_filters, filters_asked
from api.idempotency import idempotent
from api.pagination import CursorPagination
from api.referrals import serializers as s
from api.strict import refuse_body
from audit.recorder import record_access, record_children_shown
from core.compiled import compiled_query
from core.pagination import keyset_rows
from referrals import consent as consent_services
from referrals import marac
from referrals import participation as participation_services
from referrals.models import Person, Referral, ReferralStatus
from referrals.pathways import RISK_CHECKLIST, RULES_IN_WORDS, Pathway, RiskFactor
from referrals.permissions import require
from referrals.selectors import (
    as_listed,
    dash_record_shown,
    lawful_basis_of_referral,
    linked_referrals_visible_to,
    marac_referral_of_referral,
    marac_referrals_shown,
    other_partners_referred,
    perpetrator_links_shown,
    person_get,
    referral_get,
    referral_viewer,
    referrals_visible_to,
    visible_referrals,
)
from referrals.services import (
    MatchQuery,
    people_matched,
    person_create,
    person_update,
    referral_answer,
    referral_create,
    referral_screen,
    referral_submit,
    referral_update,
    referral_withdraw,
)

CONFLICT = OpenApiResponse(description="The referral is no longer in a state that allows this")


class AnyOfFilter(django_filters.MultipleChoiceFilter):
    """``?status=a&status=b`` as one ``status IN (a, b)``, which an index serves, and no
    ``DISTINCT``: the filter joins nothing, so no row can repeat (django-filter's default
    would make PostgreSQL compare whole rows, sealed text included, to remove none)."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": sorted(value)})


class ReferralFilter(StrictFilterSet):
    status = AnyOfFilter(choices=ReferralStatus.choices)
    pathway = AnyOfFilter(choices=Pathway.choices)
    referral_date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Referral
        fields = ["status", "pathway", "organisation", "area", "referral_date"]


@compiled_query
def _referral_page(shape, *, after, organisations, user_id, now, **asked):
    """A page of the referral list (``CursorPagination.paginate_compiled``)."""
    (viewer, _filters), ordering, backwards, page_size = shape
    referrals = as_listed(
        visible_referrals(viewer, organisations=organisations, user_id=user_id, now=now)
    ).order_by(*ordering)
    return keyset_rows(
        apply_filters(ReferralFilter, referrals, asked),
        ordering=ordering,
        values=after or None,
        backwards=backwards,
        page_size=page_size,
    )


class ReferralViewSet(viewsets.GenericViewSet):
    """Referrals into the partnership's pathways. You see your organisation's referrals, or
    as a coordinator the submitted referrals of your area; anything else does not exist."""

    queryset = Referral.objects.none()  # typed for the schema; get_queryset decides
    serializer_class = s.ReferralSerializer
    filterset_class = ReferralFilter
    pagination_class = CursorPagination
    # Newest first, on indexed columns (see Referral.Meta.indexes); the id settles ties.
    cursor_ordering = ("-created_at", "-pk")
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return as_listed(referrals_visible_to(self.request.user)).order_by(*self.cursor_ordering)

    def _detail(self, referral, *, status_code=status.HTTP_200_OK):
        linked = linked_referrals_visible_to(self.request.user, referral)
        context = {
            "linked_referrals": linked,
            "other_referrals_exist": other_partners_referred(referral, linked=linked),
        }
        data = s.ReferralSerializer(referral, context=context).data
        return Response(data, status=status_code)

    # The filters a list kept compiled applies (``filters_asked``); with any other, the list
    # runs as a queryset.
    compiled_filters = frozenset({"status", "pathway", "organisation", "area"})

    @extend_schema(responses=s.ReferralListSerializer(many=True))
    def list(self, request):
        asked = filters_asked(self, request, Referral)
        if asked is None:
            page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        else:
            shape, viewer = referral_viewer(request.user)
            page = self.paginator.paginate_compiled(
                _referral_page,
                request,
                self,
                model=Referral,
                shape=(shape, tuple(asked)),
                values={**viewer, **asked},
            )
        record_access(
            request.user,
            action="list",
            object_type="referral",
            objects=page,
            person_of=lambda referral: referral.person_id,
        )
        return self.get_paginated_response(s.ReferralListSerializer(page, many=True).data)

    @extend_schema(request=s.ReferralCreateSerializer, responses={201: s.ReferralSerializer})
    @idempotent
    def create(self, request):
        require(request.user, "referral.create")
        data = s.ReferralCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        details = dict(data.validated_data)
        referral = referral_create(
            actor=request.user, person_id=details.pop("person", None), **details
        )
        return self._detail(referral, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ReferralSignpostSerializer,
        responses={201: s.ReferralSerializer},
        summary="Record a signpost to another service instead of a referral",
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def signpost(self, request):
        require(request.user, "referral.create")
        data = s.ReferralSignpostSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        details = dict(data.validated_data)
        referral = referral_create(
            actor=request.user,
            person_id=details.pop("person", None),
            status=ReferralStatus.SIGNPOSTED,
            **details,
        )
        return self._detail(referral, status_code=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        return self._detail(referral_get(request.user, pk))

    @extend_schema(
        request=s.ReferralUpdateSerializer,
        responses={200: s.ReferralSerializer, 409: CONFLICT},
    )
    def partial_update(self, request, pk=None):
        referral = referral_get(request.user, pk)
        require(request.user, "referral.change", referral)
        data = s.ReferralUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        referral = referral_update(
            actor=request.user,
            referral=referral,
            expected_version=changes.pop("version", None),
            **changes,
        )
        return self._detail(referral)

    @extend_schema(request=None, responses={200: s.ReferralSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request, pk=None):
        referral = referral_get(request.user, pk)
        require(request.user, "referral.submit", referral)
        refuse_body(request)
        referral = referral_submit(actor=request.user, referral=referral)
        return self._detail(referral)

    @extend_schema(request=s.ScreenSerializer, responses={200: s.ReferralSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    @idempotent
    def screen(self, request, pk=None):
        referral = referral_get(request.user, pk)
        require(request.user, "referral.screen", referral)
        data = s.ScreenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = referral_screen(actor=request.user, referral=referral, **data.validated_data)
        return self._detail(referral)

    @extend_schema(request=s.AnswerSerializer, responses={200: s.ReferralSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    @idempotent
    def answer(self, request, pk=None):
        referral = referral_get(request.user, pk)
        require(request.user, "referral.answer", referral)
        data = s.AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = referral_answer(
            actor=request.user,
            referral=referral,
            answer=data.validated_data["answer"],
        )
        return self._detail(referral)

    @extend_schema(request=s.ReasonSerializer, responses={200: s.ReferralSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request, pk=None):
        referral = referral_get(request.user, pk)
        require(request.user, "referral.withdraw", referral)
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = referral_withdraw(
            actor=request.user,
            referral=referral,
            reason=data.validated_data["reason"],
        )
        return self._detail(referral)


class PersonViewSet(viewsets.GenericViewSet):
    """People referred to the partnership. Only people you may see exist, as far as you know."""

    serializer_class = s.PersonSerializer
    # Never used to fetch: every read goes through referrals.selectors. Typed for the schema.
    queryset = Person.objects.none()
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    @extend_schema(
        request=s.PersonCreateSerializer,
        responses={201: s.PersonSerializer},
    )
    def create(self, request):
        require(request.user, "person.create")
        data = s.PersonCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = person_create(actor=request.user, **data.validated_data)
        return Response(s.PersonSerializer(person).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request, pk=None):
        person = person_get(request.user, pk)
        return Response(s.PersonSerializer(person).data)

    @extend_schema(
        request=s.PersonUpdateSerializer,
        responses={
            200: s.PersonSerializer,
            409: OpenApiResponse(description="Changed by someone else since you read it"),
        },
    )
    def partial_update(self, request, pk=None):
        person = person_get(request.user, pk)
        require(request.user, "person.change", person)
        data = s.PersonUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        person = person_update(
            actor=request.user,
            person=person,
            expected_version=changes.pop("version", None),
            reason=changes.pop("reason", ""),
            **changes,
        )
        return Response(s.PersonSerializer(person).data)

    @extend_schema(
        parameters=[s.PersonMatchQuerySerializer],
        responses=s.PersonSerializer(many=True),
    )
    @action(detail=False, methods=["get"])
    def match(self, request):
        require(request.user, "person.match")
        query = s.PersonMatchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        people = people_matched(actor=request.user, query=MatchQuery(**query.validated_data))
        page = self.paginate_queryset(people)
        record_access(
            request.user,
            action="search",
            object_type="person",
            objects=page,
            person_of=lambda person: person.pk,
        )
        return self.get_paginated_response(s.PersonSerializer(page, many=True).data)


def _shown(viewer, referral, object_type, records):
    return record_children_shown(
        viewer, object_type=object_type, records=records, person_id=referral.person_id
    )


def _consent_overview(referral: Referral, viewer) -> dict:
    def name(user):
        return str(user) if user else None

    positions = consent_services.consent_position(referral)
    return {
        "position": [vars(position) for position in positions.values()],
        "consents": [
            {
                "purpose": c.purpose,
                "given_by": c.given_by,
                "decision": c.decision,
                "decided_on": c.decided_on,
                "method": c.method,
                "giver_name": c.giver_name,
                "note": c.note,
                "recorded_by": name(c.recorded_by),
                "recorded_at": c.recorded_at,
            }
            for c in _shown(
                viewer, referral, "consent", referral.consents.select_related("recorded_by")
            )
        ],
        "gillick_assessments": [
            {
                "id": g.pk,
                "competent": g.competent,
                "assessed_by": name(g.assessed_by),
                "assessed_on": g.assessed_on,
                "rationale": g.rationale,
            }
            for g in _shown(
                viewer,
                referral,
                "gillick_assessment",
                referral.gillick_assessments.select_related("assessed_by"),
            )
        ],
        "lawful_bases": [
            {
                "id": b.pk,
                "purpose": b.purpose,
                "ground": b.ground,
                "justification": b.justification,
                "status": b.status,
                "recorded_by": name(b.recorded_by),
                "recorded_at": b.recorded_at,
                "decided_by": name(b.decided_by),
                "decided_at": b.decided_at,
                "decision_note": b.decision_note,
            }
            for b in _shown(
                viewer,
                referral,
                "lawful_basis",
                referral.lawful_bases.select_related("recorded_by", "decided_by"),
            )
        ],
    }


class _ConsentChangeView(APIView):
    """Every change to a referral's consent position takes the same way: find the referral,
    ask the rule before reading the body, validate, call the one service, answer with the
    position as it now stands."""

    request_serializer: type = s.ConsentRecordSerializer
    change = staticmethod(consent_services.consent_record)
    answer_status = status.HTTP_201_CREATED

    def post(self, request, referral_id):
        referral = referral_get(request.user, referral_id)
        require(request.user, "referral.record_consent", referral)
        data = self.request_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.change(actor=request.user, referral=referral, **data.validated_data)
        return Response(
            s.ConsentOverviewSerializer(_consent_overview(referral, request.user)).data,
            status=self.answer_status,
        )


@extend_schema_view(
    post=extend_schema(
        request=s.ConsentRecordSerializer,
        responses={201: s.ConsentOverviewSerializer},
        summary="Record a consent decision for one or more purposes",
    )
)
class ReferralConsentView(_ConsentChangeView):
    """The consent position of a referral, per purpose, and how it came about."""

    @extend_schema(responses=s.ConsentOverviewSerializer)
    def get(self, request, referral_id):
        referral = referral_get(request.user, referral_id)
        return Response(s.ConsentOverviewSerializer(_consent_overview(referral, request.user)).data)


@extend_schema_view(
    post=extend_schema(
        request=s.ConsentWithdrawSerializer,
        responses=s.ConsentOverviewSerializer,
        summary="Withdraw consent: it takes effect at once",
    )
)
class ConsentWithdrawView(_ConsentChangeView):
    request_serializer = s.ConsentWithdrawSerializer
    change = staticmethod(consent_services.consent_withdraw)
    answer_status = status.HTTP_200_OK


@extend_schema_view(
    post=extend_schema(
        request=s.GillickSerializer,
        responses={201: s.ConsentOverviewSerializer},
        summary="Record a Gillick competence assessment of a child under 16",
    )
)
class GillickView(_ConsentChangeView):
    request_serializer = s.GillickSerializer
    change = staticmethod(consent_services.gillick_record)


@extend_schema_view(
    post=extend_schema(
        request=s.LawfulBasisRecordSerializer,
        responses={201: s.ConsentOverviewSerializer},
        summary="Record a lawful basis for a purpose without consent (needs approval)",
    )
)
class LawfulBasisView(_ConsentChangeView):
    request_serializer = s.LawfulBasisRecordSerializer
    change = staticmethod(consent_services.lawful_basis_record)


class LawfulBasisDecisionView(APIView):
    decision: str = ""

    @extend_schema(
        request=s.LawfulBasisDecisionSerializer,
        responses={200: s.ConsentOverviewSerializer, 409: CONFLICT},
    )
    def post(self, request, referral_id, basis_id):
        referral = referral_get(request.user, referral_id)
        basis = lawful_basis_of_referral(referral, basis_id)
        rule = "lawful_basis.revoke" if self.decision == "revoke" else "lawful_basis.decide"
        require(request.user, rule, basis)
        data = s.LawfulBasisDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = data.validated_data.get("note", "")
        if self.decision == "revoke":
            consent_services.lawful_basis_revoke(
                actor=request.user, lawful_basis=basis, reason=note
            )
        else:
            consent_services.lawful_basis_decide(
                actor=request.user,
                lawful_basis=basis,
                approve=self.decision == "approve",
                note=note,
            )
        referral.refresh_from_db()
        return Response(s.ConsentOverviewSerializer(_consent_overview(referral, request.user)).data)


def _participation_overview(referral: Referral, viewer) -> dict:
    return {
        "position": vars(participation_services.taking_part_position(referral)),
        "participations": [
            {
                "id": p.pk,
                "given_by": p.given_by,
                "decision": p.decision,
                "decided_on": p.decided_on,
                "method": p.method,
                "giver_name": p.giver_name,
                "note": p.note,
                "recorded_by": str(p.recorded_by),
                "recorded_at": p.recorded_at,
            }
            for p in _shown(
                viewer,
                referral,
                "participation",
                referral.participations.select_related("recorded_by"),
            )
        ],
    }


class _ParticipationChangeView(APIView):
    """A change to agreement to take part: find the referral, ask the rule before reading
    the body, validate, call the one service, answer with the agreement as it now stands."""

    request_serializer: type = s.ParticipationRecordSerializer
    change = staticmethod(participation_services.participation_record)
    answer_status = status.HTTP_201_CREATED

    def post(self, request, referral_id):
        referral = referral_get(request.user, referral_id)
        require(request.user, "participation.record", referral)
        data = self.request_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.change(actor=request.user, referral=referral, **data.validated_data)
        return Response(
            s.ParticipationOverviewSerializer(_participation_overview(referral, request.user)).data,
            status=self.answer_status,
        )


@extend_schema_view(
    post=extend_schema(
        request=s.ParticipationRecordSerializer,
        responses={201: s.ParticipationOverviewSerializer},
        summary="Record agreement to take part in an intervention (or a decline)",
        description="Taking part is voluntary and recorded apart from consent to sharing and "
        "from the lawful basis for sharing: no lawful basis stands in for it. Who may agree "
        "follows the consent rules (adults for themselves; under 16 a parent or guardian, or "
        "a child found Gillick competent).",
    )
)
class ParticipationView(_ParticipationChangeView):
    """Whether the person agrees to take part in an intervention, and each decision."""

    @extend_schema(responses=s.ParticipationOverviewSerializer)
    def get(self, request, referral_id):
        referral = referral_get(request.user, referral_id)
        return Response(
            s.ParticipationOverviewSerializer(_participation_overview(referral, request.user)).data
        )


@extend_schema_view(
    post=extend_schema(
        request=s.ParticipationWithdrawSerializer,
        responses=s.ParticipationOverviewSerializer,
        summary="Withdraw agreement to take part: delivery stops at once",
        description="Every allocation offered, accepted or under way is withdrawn in the same "
        "transaction, the provider no longer sees who the person is, and the end of the "
        "disclosure is written to the ledger.",
    )
)
class ParticipationWithdrawView(_ParticipationChangeView):
    request_serializer = s.ParticipationWithdrawSerializer
    change = staticmethod(participation_services.participation_withdraw)
    answer_status = status.HTTP_200_OK


class PathwayListView(APIView):
    """The four pathways, with their rules in words and their risk checklists."""

    pagination_class = None

    @extend_schema(responses=s.PathwaySerializer(many=True))
    def get(self, request):
        return Response(
            [
                {
                    "code": pathway.value,
                    "name": pathway.label,
                    "rules": list(RULES_IN_WORDS[pathway]),
                    "risk_checklist": [
                        {"code": factor, "label": RiskFactor(factor).label}
                        for factor in RISK_CHECKLIST[pathway]
                    ],
                }
                for pathway in Pathway
            ]
        )


# --- Domestic abuse: Dash, perpetrator links, MARAC ----------------------------------------


def _links(viewer, referral) -> list[dict]:
    return [
        {
            "id": shown.link.pk,
            "perpetrator": shown.perpetrator.pk if shown.perpetrator else None,
            "perpetrator_name": shown.perpetrator.full_name if shown.perpetrator else None,
            "recorded_at": shown.link.recorded_at,
        }
        for shown in perpetrator_links_shown(viewer, referral)
    ]


def _marac(viewer, referral) -> dict:
    # Only the MARAC referrals are shown (and recorded as read); the criteria are derived.
    criteria = marac.marac_criteria_of(referral)
    flag = marac.marac_flag(referral.person)
    return {
        "criteria": criteria,
        "eligible": bool(criteria),
        "repeat": marac.marac_repeat(referral) is not None,
        "flag": vars(flag) if flag else None,
        "marac_referrals": marac_referrals_shown(viewer, referral),
    }


class DashRecordView(APIView):
    """The Dash checklist completed with the victim of a domestic abuse referral."""

    @extend_schema(responses={200: s.DashRecordSerializer})
    def get(self, request, referral_id):
        referral = referral_get(request.user, referral_id)
        record = dash_record_shown(request.user, referral)
        if record is None:
            raise Http404("No Dash checklist recorded")
        return Response(s.DashRecordSerializer(record).data)

    @extend_schema(
        request=s.DashRecordWriteSerializer,
        responses={201: s.DashRecordSerializer, 409: CONFLICT},
        summary="Record the Dash checklist (victims only); recording again replaces it",
    )
    def post(self, request, referral_id):
        referral = referral_get(request.user, referral_id)
        require(request.user, "dash.record", referral)
        data = s.DashRecordWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = marac.dash_record(actor=request.user, referral=referral, **data.validated_data)
        return Response(s.DashRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class PerpetratorLinkView(APIView):
    """Perpetrators linked on a victim's referral. You see a perpetrator's id and name only
    if you may see that person; otherwise only that a link exists."""

    pagination_class = None

    @extend_schema(responses=s.PerpetratorLinkSerializer(many=True))
    def get(self, request, referral_id):
        referral = referral_get(request.user, referral_id)
        return Response(s.PerpetratorLinkSerializer(_links(request.user, referral), many=True).data)

    @extend_schema(
        request=s.PerpetratorLinkWriteSerializer,
        responses={201: s.PerpetratorLinkSerializer(many=True), 409: CONFLICT},
        summary="Link the perpetrator (a person you can see) to a victim's referral",
    )
    def post(self, request, referral_id):
        referral = referral_get(request.user, referral_id)
        require(request.user, "marac.link", referral)
        data = s.PerpetratorLinkWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marac.perpetrator_link(
            actor=request.user,
            referral=referral,
            perpetrator_id=data.validated_data["perpetrator"],
        )
        return Response(
            s.PerpetratorLinkSerializer(_links(request.user, referral), many=True).data,
            status=status.HTTP_201_CREATED,
        )


class MaracView(APIView):
    """The MARAC criteria a victim's referral meets, the repeat, the flag and its MARAC
    referrals."""

    @extend_schema(responses=s.MaracOverviewSerializer)
    def get(self, request, referral_id):
        referral = referral_get(request.user, referral_id)
        return Response(s.MaracOverviewSerializer(_marac(request.user, referral)).data)

    @extend_schema(
        request=s.MaracReferralWriteSerializer,
        responses={201: s.MaracOverviewSerializer, 409: CONFLICT},
        summary="Record the referral of the victim, for one linked perpetrator, to MARAC",
    )
    def post(self, request, referral_id):
        referral = referral_get(request.user, referral_id)
        require(request.user, "marac.refer", referral)
        data = s.MaracReferralWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marac.marac_refer(
            actor=request.user,
            referral=referral,
            link_id=data.validated_data["link"],
            referred_on=data.validated_data.get("referred_on"),
        )
        return Response(
            s.MaracOverviewSerializer(_marac(request.user, referral)).data,
            status=status.HTTP_201_CREATED,
        )


class MaracMeetingView(APIView):
    @extend_schema(
        request=s.MaracMeetingSerializer,
        responses={200: s.MaracOverviewSerializer},
        summary="Record the MARAC meeting that heard a MARAC referral, and its outcome",
    )
    def post(self, request, referral_id, marac_id):
        referral = referral_get(request.user, referral_id)
        marac_referral = marac_referral_of_referral(referral, marac_id)
        require(request.user, "marac.refer", referral)
        data = s.MaracMeetingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marac.marac_meeting_record(
            actor=request.user, marac_referral=marac_referral, **data.validated_data
        )
        return Response(s.MaracOverviewSerializer(_marac(request.user, referral)).data)
