from django.apps import AppConfig


class EssPortalConfig(AppConfig):
    """Cross-cutting management commands only (backup, restore); no models."""

    name = "ess_portal"
    verbose_name = "ESS Portal"
