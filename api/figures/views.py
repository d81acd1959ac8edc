"""Partnership figures: the list of figure sets and each set's report, with small numbers
suppressed exactly as on the page and in the CSV (``figures.services.figures_read``)."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from api.figures import serializers as s
from figures.permissions import require
from figures.rendering import report_as_dict
from figures.report import figure_sets
from figures.services import figures_read
from referrals.models import ReferralArea
from referrals.pathways import Pathway

FILTERS = [
    OpenApiParameter(
        "from",
        OpenApiTypes.STR,
        description="First month, YYYY-MM (default: 11 months ago)",
        pattern=r"^\d{4}-\d{2}$",
    ),
    OpenApiParameter(
        "to",
        OpenApiTypes.STR,
        description="Last month, YYYY-MM (default: this month)",
        pattern=r"^\d{4}-\d{2}$",
    ),
    OpenApiParameter(
        "quarter",
        OpenApiTypes.STR,
        description="A quarter instead of from/to, YYYY-Qn",
        pattern=r"^\d{4}-Q[1-4]$",
    ),
    OpenApiParameter("area", OpenApiTypes.STR, enum=ReferralArea.values),
    OpenApiParameter("pathway", OpenApiTypes.STR, enum=Pathway.values),
]


class FigureSetListView(APIView):
    """The figure sets this service publishes."""

    pagination_class = None

    @extend_schema(responses=s.FigureSetSerializer(many=True))
    def get(self, request):
        require(request.user, "figures.view")
        return Response(
            [
                {
                    "key": figure_set.key,
                    "title": figure_set.title,
                    "description": figure_set.description,
                    "url": reverse("api:figures-set", args=[figure_set.key]),
                }
                for figure_set in figure_sets()
            ]
        )


class FigureSetView(APIView):
    """One figure set's report for whole months, an area and a pathway. Counts from 1 to 7
    are suppressed ("[c]", value null) and others rounded to the nearest 5; filters that
    could be subtracted from others to reveal a small group are refused with a 400."""

    @extend_schema(parameters=FILTERS, responses=s.ReportSerializer)
    def get(self, request, set_key):
        report = figures_read(
            actor=request.user, set_key=set_key, query=request.query_params, delivered_as="api"
        )
        return Response(report_as_dict(report))
