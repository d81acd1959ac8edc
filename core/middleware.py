from django.conf import settings
from django.http import Http404
from django.views.defaults import page_not_found


class StyledNotFoundMiddleware:
    """With DEBUG on, Django answers a missing record with its technical page, which has no
    way back into the service; people trying the demo follow ordinary links, so a page's
    own 404 is the service's styled one there too. Unknown addresses keep the technical
    page, which is what a developer needs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        wanted_styled = settings.DEBUG and not request.path.startswith("/api/")
        if wanted_styled and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every answer the service makes: almost every page and
    API answer can carry personal data, and neither a shared cache nor the browser's history
    may keep a copy (NCSC Cloud Security Principle 9, and OWASP ASVS 4.0 V8.2.1). Static
    assets are answered by WhiteNoise, above this middleware, with their own caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response
