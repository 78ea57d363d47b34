from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "purchasing"
    verbose_name = _("Achats : offres des acteurs et besoins des acheteurs")

    def ready(self):
        from django.conf import settings

        from directory import personal_data
        from purchasing import moderation
        from purchasing.models import BuyerNeed

        moderation.register()
        # The buyers' needs on the « Données personnelles » page, and their senders' keys in the purge.
        personal_data.register_privacy_section(
            "purchasing/privacy_section.html",
            lambda: {"contact_retention_days": settings.NEED_CONTACT_RETENTION_DAYS},
        )
        personal_data.register_submitter_keys(BuyerNeed)
