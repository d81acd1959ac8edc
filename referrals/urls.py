from django.urls import path

from referrals import views
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
]
