from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit and information governance"

    def ready(self):
        from simple_history.signals import post_create_historical_record

        from audit.chain import on_history_row

        post_create_historical_record.connect(on_history_row, dispatch_uid="audit.history")

        from axes.signals import user_locked_out

        from audit.recorder import record_lockout, record_refusal, record_two_factor_reset
        from core.permissions import refused

        refused.connect(record_refusal, dispatch_uid="audit.refusal")

        user_locked_out.connect(record_lockout, dispatch_uid="audit.lockout")

        from partners.two_factor import two_factor_was_reset

        two_factor_was_reset.connect(record_two_factor_reset, dispatch_uid="audit.two_factor")

        from audit.personal_data import AuditPersonalData, NotificationsAboutPeople
        from audit.registry import register

        register(AuditPersonalData())
        register(NotificationsAboutPeople())

        from audit import navigation, notification_subjects, worklists

        navigation.register()
        notification_subjects.register()
        worklists.register()
