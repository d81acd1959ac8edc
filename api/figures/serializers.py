"""The shape of a figures answer, for the schema: the answer itself is
``figures.rendering.report_as_dict``, the same rendering the page's tables come from."""

from rest_framework import serializers

from api import strict


class FigureSetSerializer(strict.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    url = serializers.CharField()


class CellSerializer(strict.Serializer):
    value = serializers.FloatField(
        allow_null=True, help_text="The published value; null when suppressed or not available"
    )
    text = serializers.CharField(help_text='As shown on the page: "10", "12.5%", "[c]", "[x]"')
    status = serializers.ChoiceField(choices=["shown", "suppressed", "not_available"])


class RowSerializer(strict.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    is_total = serializers.BooleanField()
    cells = CellSerializer(many=True)


class ColumnSerializer(strict.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(choices=["count", "rate", "days", "money", "value", "interval"])


class TableSerializer(strict.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    row_heading = serializers.CharField()
    columns = ColumnSerializer(many=True)
    rows = RowSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class FiltersSerializer(strict.Serializer):
    from_ = serializers.CharField(help_text="First month, YYYY-MM")
    to = serializers.CharField(help_text="Last month, YYYY-MM")
    area = serializers.CharField(allow_null=True)
    pathway = serializers.CharField(allow_null=True)
    in_words = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class ReportSerializer(strict.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    filters = FiltersSerializer()
    summary = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())
    tables = TableSerializer(many=True)
