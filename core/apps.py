from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Plumbing every app shares: encrypted fields, errors, the system actor, the permission
    rule book, history helpers and the GOV.UK form pieces and base template. It holds no
    domain rule and imports no app of the project."""

    name = "core"
    verbose_name = "Shared plumbing"

    def ready(self):
        from django.apps import apps
        from django.core.checks import Tags, register

        from core.history import make_history_managers_once

        make_history_managers_once(apps.get_models())

        from config.keys import check_secrets

        register(check_secrets, Tags.security, deploy=True)
