"""The strategy of 2019: its axes and their objectives."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models.common import bounded_text


class StrategyAxis(models.Model):
    """A line of the ESS strategy (2019), under which initiatives are filed."""

    number = models.PositiveSmallIntegerField(_("numéro"), unique=True, help_text=_("Ordre d'affichage de l'axe."))
    title = models.CharField(_("intitulé"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    summary = models.CharField(_("résumé"), max_length=300, blank=True)
    description = bounded_text(_("description"), blank=True)

    class Meta:
        verbose_name = _("axe stratégique")
        verbose_name_plural = _("axes stratégiques")
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}. {self.title}"


class Objective(models.Model):
    """An optional objective under an axis (e.g. « occupations temporaires »)."""

    axis = models.ForeignKey(
        StrategyAxis, on_delete=models.PROTECT, related_name="objectives", verbose_name=_("axe stratégique")
    )
    title = models.CharField(_("intitulé"), max_length=200)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    description = bounded_text(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("objectif")
        verbose_name_plural = _("objectifs")
        ordering = ["axis__number", "position", "title"]

    def __str__(self):
        return self.title
