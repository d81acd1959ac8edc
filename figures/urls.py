from django.urls import path

from figures import views

app_name = "figures"

urlpatterns = [
    path("", views.home, name="home"),
    path("<slug:set_key>/", views.set_page, name="set"),
    path("<slug:set_key>/download.csv", views.set_csv, name="set-csv"),
]
