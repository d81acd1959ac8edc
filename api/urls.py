from django.urls import path
from rest_framework.routers import SimpleRouter

from api import audit_views, referral_views, views
from api.cases import views as case_views
from api.interventions import views as intervention_views

router = SimpleRouter()
router.register("auth/tokens", views.ApiTokenViewSet, basename="api-token")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("people", views.PersonViewSet, basename="person")
router.register("referrals", referral_views.ReferralViewSet, basename="referral")
router.register("panels", case_views.PanelViewSet, basename="panel")
router.register("cases", case_views.CaseViewSet, basename="case")
router.register("interventions", intervention_views.InterventionViewSet, basename="intervention")
router.register("allocations", intervention_views.AllocationViewSet, basename="allocation")
router.register("audit/events", audit_views.AuditEventViewSet, basename="audit-event")
router.register("audit/disclosures", audit_views.DisclosureViewSet, basename="audit-disclosure")
router.register("audit/flags", audit_views.ReviewFlagViewSet, basename="audit-flag")

REFERRAL = "referrals/<uuid:referral_id>/consents/"

app_name = "api"

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-auth-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path(
        "users/<int:user_id>/two-factor/reset/",
        views.TwoFactorResetView.as_view(),
        name="user-two-factor-reset",
    ),
    path("pathways/", referral_views.PathwayListView.as_view(), name="pathway-list"),
    path("audit/verify/", audit_views.AuditVerifyView.as_view(), name="audit-verify"),
    path(
        "people/<uuid:person_id>/break-glass/",
        audit_views.BreakGlassView.as_view(),
        name="person-break-glass",
    ),
    path(
        "people/<uuid:person_id>/subject-access-export/",
        audit_views.SubjectAccessExportView.as_view(),
        name="person-subject-access-export",
    ),
    path(
        "outcome-measures/",
        intervention_views.OutcomeMeasureListView.as_view(),
        name="outcome-measure-list",
    ),
    path(
        "cases/<uuid:case_id>/outcomes/",
        intervention_views.CaseOutcomesView.as_view(),
        name="case-outcomes",
    ),
    path(REFERRAL, referral_views.ReferralConsentView.as_view(), name="referral-consents"),
    path(
        f"{REFERRAL}withdraw/",
        referral_views.ConsentWithdrawView.as_view(),
        name="referral-consent-withdraw",
    ),
    path(f"{REFERRAL}gillick/", referral_views.GillickView.as_view(), name="referral-gillick"),
    path(
        f"{REFERRAL}lawful-basis/",
        referral_views.LawfulBasisView.as_view(),
        name="referral-lawful-basis",
    ),
    *[
        path(
            f"{REFERRAL}lawful-basis/<int:basis_id>/{decision}/",
            referral_views.LawfulBasisDecisionView.as_view(decision=decision),
            name=f"referral-lawful-basis-{decision}",
        )
        for decision in ("approve", "reject", "revoke")
    ],
    *router.urls,
]
