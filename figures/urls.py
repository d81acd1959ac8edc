from django.urls import path

from figures import measure_views, views

app_name = "figures"

urlpatterns = [
    path("", views.home, name="home"),
    # Before the set pages: "measures" would otherwise be taken for a set's key.
    path("measures/", measure_views.measures, name="measures"),
    path("measures/import/", measure_views.measures_import, name="measures-import"),
    path("measures/template.csv", measure_views.measures_template, name="measures-template"),
    path("<slug:set_key>/", views.set_page, name="set"),
    path("<slug:set_key>/download.csv", views.set_csv, name="set-csv"),
]
