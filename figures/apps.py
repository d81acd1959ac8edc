from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "figures"
    verbose_name = "Partnership figures"

    def ready(self):
        from figures import navigation

        navigation.register()
