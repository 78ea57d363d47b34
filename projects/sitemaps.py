"""Sitemaps of the tracker's public pages (published initiatives only, through `.published()`).

Sites and premises have no page of their own (one list page for all), so they add no section.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from ess_portal.sitemaps import PublishedRecordSitemap
from projects.models import Initiative


class InitiativeSitemap(PublishedRecordSitemap):
    url_name = "projects:initiative_detail"

    def published(self):
        return Initiative.objects.published()


class TrackerPagesSitemap(Sitemap):
    """The fixed pages of the tracker: initiatives, strategy dashboard, consultations, sites and premises."""

    changefreq = "daily"
    priority = 0.7

    def items(self):
        return ["projects:initiative_list", "projects:strategy", "projects:consultation_list", "projects:site_list"]

    def location(self, name):
        return reverse(name)
