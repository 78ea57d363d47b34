from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Stratégie et projets")

    def ready(self):
        from projects import moderation

        moderation.register()
