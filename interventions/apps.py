from django.apps import AppConfig


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = "Interventions, allocations and outcomes"

    def ready(self):
        from interventions.services import allocations_follow_consent
        from referrals.signals import permitted_purposes_changed

        def withdraw_allocations(sender, referral, actor, **kwargs):
            allocations_follow_consent(referral, actor=actor)

        permitted_purposes_changed.connect(
            withdraw_allocations, weak=False, dispatch_uid="interventions.withdraw"
        )
