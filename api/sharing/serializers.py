from rest_framework import serializers


class GatewaySerializer(serializers.Serializer):
    layer = serializers.CharField(help_text="article_6, article_9, article_10, part_3 or power")
    layer_label = serializers.CharField()
    title = serializers.CharField()
    citation = serializers.CharField()


class SharingRuleSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Stable id; the disclosure ledger's basis names it")
    title = serializers.CharField()
    summary = serializers.CharField()
    standing = serializers.BooleanField(
        help_text="False: applies only where an approved lawful basis relies on it"
    )
    age = serializers.CharField()
    age_label = serializers.CharField()
    disclosers = serializers.ListField(child=serializers.CharField())
    discloser_labels = serializers.ListField(child=serializers.CharField())
    recipients = serializers.ListField(child=serializers.CharField())
    recipient_labels = serializers.ListField(child=serializers.CharField())
    data_categories = serializers.ListField(child=serializers.CharField())
    data_category_labels = serializers.ListField(child=serializers.CharField())
    purposes = serializers.ListField(child=serializers.CharField())
    purpose_labels = serializers.ListField(child=serializers.CharField())
    gateways = GatewaySerializer(many=True)
    limits = serializers.ListField(child=serializers.CharField())
    notes = serializers.ListField(child=serializers.CharField())
