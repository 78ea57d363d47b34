from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasingConfig(AppConfig):
    name = "purchasing"
    verbose_name = _("Achats : offres des acteurs et besoins des acheteurs")

    def ready(self):
        from purchasing import moderation

        moderation.register()
