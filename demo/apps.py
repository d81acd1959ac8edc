from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo partnership and the builders that make its records. It sits above every
    domain app (it may import any of them) and nothing of the service imports it; the
    tests' factories and the audit benchmark build their records with it too."""

    name = "demo"
    verbose_name = "Demo data"
