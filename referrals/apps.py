from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "People and referrals"

    def ready(self):
        from audit.registry import register
        from referrals.personal_data import ReferralsPersonalData

        register(ReferralsPersonalData(), people=True)

        from referrals import navigation, worklists

        navigation.register()
        worklists.register()
