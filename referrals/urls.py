from django.urls import path

from referrals import views

urlpatterns = [
    path("", views.referral_list, name="referral-list"),
    path("screening/", views.screening_queue, name="referral-screening"),
    path("new/", views.find_person, name="referral-new"),
    path("new/person/", views.new_person, name="referral-new-person"),
    path("new/<uuid:person_id>/", views.new_referral_details, name="referral-new-details"),
    path("<uuid:referral_id>/", views.referral_detail, name="referral-detail"),
    path("<uuid:referral_id>/edit/", views.edit_referral, name="referral-edit"),
    path("<uuid:referral_id>/consent/", views.referral_consent, name="referral-consent"),
    path("<uuid:referral_id>/check/", views.referral_check, name="referral-check"),
    path("<uuid:referral_id>/screen/", views.screen, name="referral-screen"),
    path("<uuid:referral_id>/answer/", views.answer, name="referral-answer"),
    path("<uuid:referral_id>/withdraw/", views.withdraw, name="referral-withdraw"),
]
