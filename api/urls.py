from django.urls import path
from rest_framework.routers import SimpleRouter

from api import views

router = SimpleRouter()
router.register("auth/tokens", views.ApiTokenViewSet, basename="api-token")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("memberships", views.MembershipViewSet, basename="membership")
router.register("people", views.PersonViewSet, basename="person")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-auth-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    *router.urls,
]
