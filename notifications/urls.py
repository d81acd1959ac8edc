from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read/", views.mark_all_read, name="mark-all-read"),
    path("<int:notification_id>/read/", views.mark_read, name="mark-read"),
    path("preferences/", views.preferences, name="preferences"),
]
