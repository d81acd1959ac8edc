from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "People and referrals"

    def ready(self):
        from audit.registry import register
        from referrals.personal_data import ReferralsPersonalData

        register(ReferralsPersonalData(), people=True)

        from referrals.models import Purpose
        from referrals.services import referral_return_to_screening
        from referrals.signals import permitted_purposes_changed

        def return_to_screening(sender, referral, actor, lost=(), cause=None, **kwargs):
            if Purpose.PANEL_DISCUSSION in lost:
                referral_return_to_screening(actor=actor, referral=referral, cause=cause)

        permitted_purposes_changed.connect(
            return_to_screening, weak=False, dispatch_uid="referrals.return_to_screening"
        )

        from django.db.models.signals import post_migrate

        from referrals.participation import reconcile_delivery

        # After migration 0007 a lawful basis no longer stands in for agreement to take
        # part: whatever delivery rested on one ends through the services, with its ledger.
        post_migrate.connect(
            reconcile_delivery, sender=self, dispatch_uid="referrals.reconcile_delivery"
        )

        from referrals import navigation, notification_subjects, worklists

        navigation.register()
        notification_subjects.register()
        worklists.register()
