"""The view serving the OpenAPI description (``api.schema`` makes it; drf-spectacular's
settings import that module, so the view, which imports drf-spectacular's views and so its
settings, lives apart)."""

from django.core.signals import setting_changed
from django.dispatch import receiver
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """``/api/schema/``: the description generated once per process and API version.

    Generating it walks every view and serializer (about 1.6 s), and nothing in it changes
    while the process runs: it is public (``SERVE_PUBLIC``), so no caller's permissions
    shape it, and it is generated as for no one in particular (``request=None``), so the
    first caller's roles cannot leak into what later callers read. A change of settings
    (only tests make one) starts afresh."""

    _generated: dict = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        schema = self._generated.get(version)
        if schema is None:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            schema = self._generated[version] = generator.get_schema(request=None, public=True)
        return Response(
            data=schema,
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, version)}"'
            },
        )


@receiver(setting_changed)
def _generate_the_schema_afresh(**kwargs):
    SchemaView._generated.clear()
