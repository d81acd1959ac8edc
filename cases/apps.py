from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Panels and cases"

    def ready(self):
        from audit.registry import register
        from cases.personal_data import CasesPersonalData

        register(CasesPersonalData())

        from cases.services import shares_follow_consent
        from referrals.signals import permitted_purposes_changed

        def end_shares(sender, referral, actor, **kwargs):
            shares_follow_consent(referral, actor=actor)

        permitted_purposes_changed.connect(end_shares, weak=False, dispatch_uid="cases.end_shares")

        from cases import navigation, notification_subjects, worklists

        navigation.register()
        notification_subjects.register()
        worklists.register()
