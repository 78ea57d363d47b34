from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservatoryConfig(AppConfig):
    name = "observatory"
    verbose_name = _("Observatoire de l'ESS")

    def ready(self):
        from observatory import moderation

        moderation.register()
