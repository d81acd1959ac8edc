from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "figures"
    verbose_name = "Partnership figures"

    def ready(self):
        from figures import facts, navigation, sets, worklists

        facts.load()
        sets.load()
        navigation.register()
        worklists.register()
