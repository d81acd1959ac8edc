from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Lawful sharing"

    def ready(self):
        from sharing import navigation

        navigation.register()
