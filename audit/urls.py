from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_search, name="search"),
    path("flags/", views.flag_queue, name="flags"),
    path("flags/<int:flag_id>/review/", views.review, name="review"),
    path("people/<uuid:person_id>/", views.person_access, name="person"),
    path("people/<uuid:person_id>/export/", views.export_page, name="export"),
]
