"""The view serving the OpenAPI description (``api.schema`` makes it; drf-spectacular's
settings import that module, so the view, which imports drf-spectacular's views and so its
settings, lives apart)."""

from django.core.signals import setting_changed
from django.dispatch import receiver
from drf_spectacular.views import SpectacularAPIView
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """``/api/schema/``: the description generated, and written out in each format asked
    for, once per process and API version.

    Generating it walks every view and serializer (about 1.6 s), and writing it out as YAML
    (the default) takes about 0.8 s more; nothing in it changes while the process runs: it
    is public (``SERVE_PUBLIC``), so no caller's permissions shape it, and it is generated
    as for no one in particular (``request=None``), so the first caller's roles cannot leak
    into what later callers read. A change of settings (only tests make one) starts
    afresh."""

    _generated: dict = {}
    _written: dict = {}

    def _version(self, request):
        return self.api_version or request.version or self._get_version_parameter(request)

    def _get_schema_response(self, request):
        version = self._version(request)
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

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code != 200:
            return response
        key = (self._version(request), response.accepted_media_type)
        written = self._written.get(key)
        if written is None:
            content = response.rendered_content  # sets the Content-Type it is written in
            written = self._written[key] = (content, response["Content-Type"])
        response.content, response["Content-Type"] = written
        return response


@receiver(setting_changed)
def _generate_the_schema_afresh(**kwargs):
    SchemaView._generated.clear()
    SchemaView._written.clear()
