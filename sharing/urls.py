from django.urls import path

from sharing import views

app_name = "sharing"

urlpatterns = [
    path("agreements/", views.agreement_list, name="agreements"),
    path("agreements/new/", views.agreement_new, name="agreement-new"),
    path("agreements/<int:agreement_id>/", views.agreement_page, name="agreement"),
    path("agreements/<int:agreement_id>/change/", views.agreement_edit, name="agreement-edit"),
    path(
        "agreements/<int:agreement_id>/review/",
        views.agreement_review_page,
        name="agreement-review",
    ),
    path("agreements/<int:agreement_id>/end/", views.agreement_end_page, name="agreement-end"),
    path(
        "agreements/<int:agreement_id>/signatories/new/",
        views.signatory_new,
        name="signatory-new",
    ),
    path("approvals/", views.approval_list, name="approvals"),
    path("people/<uuid:person_id>/approvals/new/", views.approval_new, name="approval-new"),
    path("rules/", views.rules_page, name="rules"),
]
