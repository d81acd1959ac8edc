import os

from django.core.asgi import get_asgi_application

from config.keys import refuse_to_serve_without_secrets

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
refuse_to_serve_without_secrets()
application = get_asgi_application()
