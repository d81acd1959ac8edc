from api import audit_views
from api.cases import views as case_views
from api.figures import measures as figure_measures
from api.figures import views as figure_views
from api.interventions import views as intervention_views
from api.notifications import views as notification_views
from api.partners import views as partner_views
from api.referrals import views as referral_views
from api.routing import Router, api_path
from api.sharing import views as sharing_views

router = Router()
router.register("auth/tokens", partner_views.ApiTokenViewSet, basename="api-token")
router.register("organisations", partner_views.OrganisationViewSet, basename="organisation")
router.register("memberships", partner_views.MembershipViewSet, basename="membership")
router.register("people", referral_views.PersonViewSet, basename="person")
router.register("referrals", referral_views.ReferralViewSet, basename="referral")
router.register("panels", case_views.PanelViewSet, basename="panel")
router.register("cases", case_views.CaseViewSet, basename="case")
router.register("interventions", intervention_views.InterventionViewSet, basename="intervention")
router.register("allocations", intervention_views.AllocationViewSet, basename="allocation")
router.register("audit/events", audit_views.AuditEventViewSet, basename="audit-event")
router.register("audit/disclosures", audit_views.DisclosureViewSet, basename="audit-disclosure")
router.register("audit/flags", audit_views.ReviewFlagViewSet, basename="audit-flag")
router.register("sharing-agreements", sharing_views.AgreementViewSet, basename="sharing-agreement")
router.register("sharing-approvals", sharing_views.ApprovalViewSet, basename="sharing-approval")
router.register("notifications", notification_views.NotificationViewSet, basename="notification")

REFERRAL_CONSENTS = "referrals/<uuid:referral_id>/consents"

app_name = "api"

urlpatterns = [
    api_path("auth/token", partner_views.TokenView.as_view(), name="api-auth-token"),
    api_path("me", partner_views.MeView.as_view(), name="api-me"),
    api_path(
        "users/<int:user_id>/two-factor/reset",
        partner_views.TwoFactorResetView.as_view(),
        name="user-two-factor-reset",
    ),
    api_path("pathways", referral_views.PathwayListView.as_view(), name="pathway-list"),
    api_path(
        "sharing-rules", sharing_views.SharingRuleListView.as_view(), name="sharing-rule-list"
    ),
    api_path("figures", figure_views.FigureSetListView.as_view(), name="figures-list"),
    # Before figures/<set>/: "measures" is not a figure set.
    api_path(
        "figures/measures",
        figure_measures.AreaMeasureListView.as_view(),
        name="figure-measure-list",
    ),
    api_path("figures/<slug:set_key>", figure_views.FigureSetView.as_view(), name="figures-set"),
    api_path("audit/verify", audit_views.AuditVerifyView.as_view(), name="audit-verify"),
    api_path(
        "people/<uuid:person_id>/break-glass",
        audit_views.BreakGlassView.as_view(),
        name="person-break-glass",
    ),
    api_path(
        "people/<uuid:person_id>/subject-access-export",
        audit_views.SubjectAccessExportView.as_view(),
        name="person-subject-access-export",
    ),
    api_path(
        "outcome-measures",
        intervention_views.OutcomeMeasureListView.as_view(),
        name="outcome-measure-list",
    ),
    api_path(
        "cases/<uuid:case_id>/outcomes",
        intervention_views.CaseOutcomesView.as_view(),
        name="case-outcomes",
    ),
    api_path(
        REFERRAL_CONSENTS, referral_views.ReferralConsentView.as_view(), name="referral-consents"
    ),
    api_path(
        "referrals/<uuid:referral_id>/dash",
        referral_views.DashRecordView.as_view(),
        name="referral-dash",
    ),
    api_path(
        "referrals/<uuid:referral_id>/perpetrator-links",
        referral_views.PerpetratorLinkView.as_view(),
        name="referral-perpetrator-links",
    ),
    api_path(
        "referrals/<uuid:referral_id>/marac",
        referral_views.MaracView.as_view(),
        name="referral-marac",
    ),
    api_path(
        "referrals/<uuid:referral_id>/marac/<int:marac_id>/meeting",
        referral_views.MaracMeetingView.as_view(),
        name="referral-marac-meeting",
    ),
    api_path(
        f"{REFERRAL_CONSENTS}/withdraw",
        referral_views.ConsentWithdrawView.as_view(),
        name="referral-consent-withdraw",
    ),
    api_path(
        "referrals/<uuid:referral_id>/participation",
        referral_views.ParticipationView.as_view(),
        name="referral-participation",
    ),
    api_path(
        "referrals/<uuid:referral_id>/participation/withdraw",
        referral_views.ParticipationWithdrawView.as_view(),
        name="referral-participation-withdraw",
    ),
    api_path(
        f"{REFERRAL_CONSENTS}/gillick",
        referral_views.GillickView.as_view(),
        name="referral-gillick",
    ),
    api_path(
        f"{REFERRAL_CONSENTS}/lawful-basis",
        referral_views.LawfulBasisView.as_view(),
        name="referral-lawful-basis",
    ),
    *[
        api_path(
            f"{REFERRAL_CONSENTS}/lawful-basis/<int:basis_id>/{decision}",
            referral_views.LawfulBasisDecisionView.as_view(decision=decision),
            name=f"referral-lawful-basis-{decision}",
        )
        for decision in ("approve", "reject", "revoke")
    ],
    *router.urls,
]
