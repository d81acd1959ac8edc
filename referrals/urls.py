from django.urls import path

from referrals import marac_views, views
from referrals.consent_views import (
    consent_withdraw,
    gillick,
    lawful_basis,
    lawful_basis_approve,
    lawful_basis_reject,
    lawful_basis_revoke,
)
from referrals.participation_views import participation, participation_withdraw_page
from referrals.wizard import new_referral

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("screening/", views.screening_queue, name="screening"),
    path("new/", views.find_person, name="new"),
    path("new/person/", views.new_person, name="new-person"),
    path("pathways/", views.pathways, name="pathways"),
    path("new/<uuid:person_id>/", new_referral, name="new-details"),
    path("new/<uuid:person_id>/<slug:step>/", new_referral, name="new-step"),
    path("<uuid:referral_id>/", views.referral_detail, name="detail"),
    path("<uuid:referral_id>/edit/", views.edit_referral, name="edit"),
    path("<uuid:referral_id>/consent/", views.referral_consent, name="consent"),
    path("<uuid:referral_id>/check/", views.referral_check, name="check"),
    path("<uuid:referral_id>/screen/", views.screen, name="screen"),
    path("<uuid:referral_id>/answer/", views.answer, name="answer"),
    path("<uuid:referral_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<uuid:referral_id>/consent/gillick/", gillick, name="gillick"),
    path(
        "<uuid:referral_id>/consent/<int:consent_id>/withdraw/",
        consent_withdraw,
        name="consent-withdraw",
    ),
    path("<uuid:referral_id>/participation/", participation, name="participation"),
    path(
        "<uuid:referral_id>/participation/<int:participation_id>/withdraw/",
        participation_withdraw_page,
        name="participation-withdraw",
    ),
    path("<uuid:referral_id>/dash/", marac_views.dash_page, name="dash"),
    path("<uuid:referral_id>/perpetrator/", marac_views.perpetrator_page, name="perpetrator"),
    path("<uuid:referral_id>/marac/", marac_views.marac_referral_page, name="marac"),
    path(
        "<uuid:referral_id>/marac/<int:marac_id>/meeting/",
        marac_views.marac_meeting_page,
        name="marac-meeting",
    ),
    path("<uuid:referral_id>/lawful-basis/", lawful_basis, name="lawful-basis"),
    path(
        "<uuid:referral_id>/lawful-basis/<int:basis_id>/approve/",
        lawful_basis_approve,
        name="lawful-basis-approve",
    ),
    path(
        "<uuid:referral_id>/lawful-basis/<int:basis_id>/reject/",
        lawful_basis_reject,
        name="lawful-basis-reject",
    ),
    path(
        "<uuid:referral_id>/lawful-basis/<int:basis_id>/revoke/",
        lawful_basis_revoke,
        name="lawful-basis-revoke",
    ),
]
