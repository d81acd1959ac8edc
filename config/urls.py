from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("", include("partners.urls")),
    path("referrals/", include("referrals.urls")),
    path("", include("cases.urls")),
    path("", include("interventions.urls")),
    path("audit/", include("audit.urls")),
    path("sharing/", include("sharing.urls")),
    path("figures/", include("figures.urls")),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
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

handler404 = "api.errors.not_found"
handler500 = "api.errors.server_failure"
