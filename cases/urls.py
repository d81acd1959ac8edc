from django.urls import path

from cases import views

app_name = "cases"

CASE = "cases/<uuid:case_id>/"

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
    path("actions/", views.my_actions, name="my-actions"),
    path("actions/<int:action_id>/done/", views.action_done, name="action-done"),
    path("cases/", views.case_list, name="list"),
    path(CASE, views.case_page, name="case"),
    path(CASE + "share/", views.case_share, name="case-share"),
    path(CASE + "shares/<int:share_id>/stop/", views.case_unshare, name="case-unshare"),
    path(CASE + "review/", views.case_review, name="case-review"),
    path(CASE + "note/", views.case_note, name="case-note"),
    path(CASE + "close/", views.case_close, name="case-close"),
    path(CASE + "reopen/", views.case_reopen, name="case-reopen"),
]
