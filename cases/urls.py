from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("panels/", views.panel_planner, name="planner"),
    path("panels/<uuid:meeting_id>/", views.meeting_page, name="meeting"),
    path("panels/<uuid:meeting_id>/attendance/", views.meeting_attendance, name="attendance"),
    path("panels/<uuid:meeting_id>/decision/", views.meeting_decision, name="decision"),
    path("panels/<uuid:meeting_id>/minutes/", views.minutes_page, name="minutes"),
    path("panels/<uuid:meeting_id>/minutes.csv", views.minutes_csv, name="minutes-csv"),
    path(
        "panels/<uuid:meeting_id>/<str:transition>/",
        views.meeting_transition,
        name="meeting-transition",
    ),
    path("cases/", views.case_list, name="list"),
    path("cases/<uuid:case_id>/", views.case_page, name="case"),
    path("cases/<uuid:case_id>/<str:action>/", views.case_action, name="case-action"),
]
