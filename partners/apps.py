from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = "Partners, users and roles"

    def ready(self):
        from partners.roles import sync_role_groups_after_migrate

        # Later migrations add models (and so permissions); re-syncing after every
        # migrate keeps each role group's permissions equal to partners.roles.
        post_migrate.connect(sync_role_groups_after_migrate, dispatch_uid="sync_role_groups")

        from django.contrib.auth.signals import user_logged_in

        from partners.middleware import session_clocks_start

        user_logged_in.connect(session_clocks_start, dispatch_uid="session_clocks_start")

        from partners import navigation

        navigation.register()
