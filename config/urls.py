from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from api.schema_view import SchemaView

urlpatterns = [
    path("", include("partners.urls")),
    path("referrals/", include("referrals.urls")),
    path("", include("cases.urls")),
    path("", include("interventions.urls")),
    path("audit/", include("audit.urls")),
    path("sharing/", include("sharing.urls")),
    path("figures/", include("figures.urls")),
    path("administration/jobs/", include("jobs.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # Swagger UI styles its own elements inline; only its page allows that.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]

# The benchmark's baseline (demo.views.bare): never routed unless its own server asks.
if settings.BENCHMARK_BARE_VIEW:
    from demo.views import bare

    urlpatterns.append(path("benchmark/bare/", bare, name="benchmark-bare"))

handler404 = "api.errors.not_found"
handler500 = "api.errors.server_failure"
