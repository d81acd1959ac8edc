from django.urls import path

from sharing import views

app_name = "sharing"

urlpatterns = [
    path("rules/", views.rules_page, name="rules"),
]
