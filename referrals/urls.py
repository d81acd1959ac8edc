from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("screening/", views.screening_queue, name="screening"),
    path("new/", views.find_person, name="new"),
    path("new/person/", views.new_person, name="new-person"),
    path("new/<uuid:person_id>/", views.new_referral_details, name="new-details"),
    path("<uuid:referral_id>/", views.referral_detail, name="detail"),
    path("<uuid:referral_id>/edit/", views.edit_referral, name="edit"),
    path("<uuid:referral_id>/consent/", views.referral_consent, name="consent"),
    path("<uuid:referral_id>/check/", views.referral_check, name="check"),
    path("<uuid:referral_id>/screen/", views.screen, name="screen"),
    path("<uuid:referral_id>/answer/", views.answer, name="answer"),
    path("<uuid:referral_id>/withdraw/", views.withdraw, name="withdraw"),
]
