"""The caller's own notifications: list (newest first), mark one read, mark all read."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.notifications import serializers as s
from api.strict import refuse_body
from notifications import selectors, services
from notifications.models import Notification


class NotificationViewSet(viewsets.GenericViewSet):
    """Everyone's own notifications; someone else's is a 404. Whether the record each is
    about may still be opened is asked again now, not when it was sent."""

    queryset = Notification.objects.none()  # typed for the schema; get_queryset decides
    serializer_class = s.NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.notifications_of(self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("unread", bool, description="Only those not read yet"),
        ]
    )
    def list(self, request):
        notifications = self.get_queryset()
        if request.query_params.get("unread", "").lower() in {"1", "true"}:
            notifications = notifications.filter(read_at__isnull=True)
        page = self.paginate_queryset(notifications)
        return self.get_paginated_response(
            s.NotificationSerializer(selectors.shown(request.user, page), many=True).data
        )

    @extend_schema(request=None, responses={200: s.NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = selectors.notification_of(request.user, pk)
        refuse_body(request)  # the notification is the caller's own (a 404 otherwise)
        services.notification_mark_read(actor=request.user, notification=notification)
        return Response(
            s.NotificationSerializer(selectors.shown(request.user, [notification])[0]).data
        )

    @extend_schema(request=None, responses={200: s.MarkedSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        refuse_body(request)  # the caller's own notifications: anyone signed in may
        marked = services.notification_mark_all_read(actor=request.user)
        return Response({"marked": marked})
