from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = "Interventions, allocations and outcomes"

    def ready(self):
        from audit.registry import register
        from interventions.personal_data import InterventionsPersonalData

        register(InterventionsPersonalData())

        from django.db.models.signals import post_migrate

        from interventions import case_extensions
        from interventions.measures import ensure_after_migrate

        post_migrate.connect(ensure_after_migrate, dispatch_uid="interventions.measures")
        case_extensions.register()
        from interventions.services import allocations_follow_consent
        from referrals.signals import permitted_purposes_changed

        def withdraw_allocations(sender, referral, actor, cause="", **kwargs):
            allocations_follow_consent(referral, actor=actor, cause=cause)

        permitted_purposes_changed.connect(
            withdraw_allocations, weak=False, dispatch_uid="interventions.withdraw"
        )

        from interventions import navigation, notification_subjects, worklists

        navigation.register()
        notification_subjects.register()
        worklists.register()
