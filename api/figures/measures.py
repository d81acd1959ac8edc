"""The Serious Violence Duty's area measures: list them, or import a CSV file of them
(multipart upload, all rows or none, ``figures.measures.area_measures_import``)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api import strict
from api.pagination import PageNumberPagination
from core.errors import field_error
from figures.measures import area_measures_for_list, area_measures_import
from figures.models import AreaMeasure
from figures.permissions import require


class AreaMeasureSerializer(strict.ModelSerializer):
    name = serializers.CharField(read_only=True)
    measure_label = serializers.CharField(source="get_measure_display", read_only=True)
    area_label = serializers.CharField(source="get_area_display", read_only=True)
    imported_by = serializers.CharField(source="imported_by.username", read_only=True)

    class Meta:
        model = AreaMeasure
        fields = [
            "id",
            "measure",
            "measure_label",
            "other_name",
            "name",
            "area",
            "area_label",
            "period_start",
            "period_end",
            "value",
            "unit",
            "source",
            "source_date",
            "imported_by",
            "imported_at",
        ]
        read_only_fields = fields


class MeasuresUploadSerializer(strict.Serializer):
    csv_file = serializers.FileField(
        help_text="A CSV file saved as UTF-8 with the columns measure, other_name, area, "
        "period_start, period_end, value, unit, source and source_date."
    )


class ImportResultSerializer(strict.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    replaced = serializers.IntegerField()


class AreaMeasurePageSerializer(strict.Serializer):
    """One page of the list, as ``api.pagination.PageNumberPagination`` answers it."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AreaMeasureSerializer(many=True)


class AreaMeasureListView(APIView):
    """Published area-level measures of serious violence, shown as published (they are
    aggregate statistics, not personal data). Figure readers list them; analysts and
    administrators import them."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=AreaMeasurePageSerializer)
    def get(self, request):
        require(request.user, "figures.view")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(area_measures_for_list(), request, view=self)
        return paginator.get_paginated_response(AreaMeasureSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": MeasuresUploadSerializer},
        responses={201: ImportResultSerializer},
    )
    def post(self, request):
        require(request.user, "figures.measures_import")
        upload = request.FILES.get("csv_file")
        if upload is None:
            raise field_error("csv_file", "Attach a CSV file as csv_file", "required")
        result = area_measures_import(actor=request.user, csv_file=upload)
        return Response(ImportResultSerializer(result).data, status=status.HTTP_201_CREATED)
