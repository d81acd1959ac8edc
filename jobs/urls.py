from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.page, name="page"),
    path("<int:job_id>/retry/", views.retry, name="retry"),
    path("start/<slug:name>/", views.start, name="start"),
]
