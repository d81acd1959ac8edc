from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit and information governance"

    def ready(self):
        from simple_history.signals import post_create_historical_record

        from audit.chain import on_history_row

        post_create_historical_record.connect(on_history_row, dispatch_uid="audit.history")

        from axes.signals import user_locked_out

        from audit.recorder import record_lockout

        user_locked_out.connect(record_lockout, dispatch_uid="audit.lockout")
