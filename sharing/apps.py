from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Lawful sharing"

    def ready(self):
        from audit.registry import register
        from sharing import navigation, notification_subjects, worklists
        from sharing.personal_data import SharingPersonalData

        register(SharingPersonalData())
        navigation.register()
        notification_subjects.register()
        worklists.register()
