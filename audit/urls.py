from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_search, name="search"),
    path("find-a-person/", views.find_people, name="find-people"),
    path("flags/", views.flag_queue_page, name="flags"),
    path("flags/<int:flag_id>/review/", views.review, name="review"),
    path("people/<uuid:person_id>/", views.person_access, name="person"),
    path("people/<uuid:person_id>/legal-holds/new/", views.hold_place, name="hold-place"),
    path(
        "people/<uuid:person_id>/legal-holds/<int:hold_id>/lift/",
        views.hold_lift,
        name="hold-lift",
    ),
    path("people/<uuid:person_id>/export/", views.export_page, name="export"),
    path("people/<uuid:person_id>/export.json", views.export_json, name="export-json"),
    path("people/<uuid:person_id>/export/release/", views.export_release, name="export-release"),
    path("people/<uuid:person_id>/break-glass/", views.break_glass_page, name="break-glass"),
]
