from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate, pre_migrate


class EssPortalConfig(AppConfig):
    """Cross-cutting pieces: management commands (backup, restore), the data version; no models."""

    name = "ess_portal"
    verbose_name = "ESS Portal"

    def ready(self):
        from ess_portal import dataversion

        # Once per `migrate`, after every app's migrations (the content apps' tables all exist by then).
        pre_migrate.connect(
            dataversion.pause_during_migrate, sender=self.apps.get_app_config("directory"), dispatch_uid="data-version"
        )
        post_migrate.connect(
            dataversion.install_triggers, sender=self.apps.get_app_config("directory"), dispatch_uid="data-version"
        )
        connection_created.connect(dataversion.watch_connection, dispatch_uid="data-version-after-commit")
