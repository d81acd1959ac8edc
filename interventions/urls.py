from django.urls import path

from interventions import views

app_name = "interventions"

urlpatterns = [
    path("interventions/", views.catalogue_page, name="catalogue"),
    path(
        "interventions/<int:intervention_id>/funding/",
        views.change_funding,
        name="funding",
    ),
    path("caseload/", views.caseload_page, name="caseload"),
    path("allocations/<int:allocation_id>/", views.allocation_page, name="allocation"),
    path("allocations/<int:allocation_id>/contact/", views.record_contact, name="contact"),
    path("allocations/<int:allocation_id>/outcome/", views.record_outcome, name="outcome"),
    path(
        "allocations/<int:allocation_id>/<str:action>/",
        views.allocation_action,
        name="action",
    ),
    path("cases/<uuid:case_id>/allocations/new/", views.allocate, name="allocate"),
]
