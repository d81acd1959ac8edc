from rest_framework import serializers

from api import strict
from notifications.models import Kind


class NotificationSerializer(strict.Serializer):
    """One notification as its recipient may see it now (``notifications.selectors.shown``):
    the record it is about is named only while they may still open it."""

    id = serializers.IntegerField(source="notification.pk")
    kind = serializers.ChoiceField(choices=Kind.choices, source="notification.kind")
    text = serializers.CharField()
    available = serializers.BooleanField(
        help_text="Whether the recipient may still open the record it is about"
    )
    subject_type = serializers.SerializerMethodField()
    subject_id = serializers.SerializerMethodField()
    url = serializers.CharField(allow_null=True, help_text="The record's web page, if available")
    detail = serializers.CharField(source="notification.detail")
    created_at = serializers.DateTimeField(source="notification.created_at")
    read_at = serializers.DateTimeField(source="notification.read_at", allow_null=True)

    def get_subject_type(self, shown) -> str | None:
        return shown.notification.subject_type or None if shown.available else None

    def get_subject_id(self, shown) -> str | None:
        return shown.notification.subject_id or None if shown.available else None


class MarkedSerializer(strict.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread")
