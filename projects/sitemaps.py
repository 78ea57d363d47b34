"""Sitemaps of the tracker's public pages (published initiatives only, through `.published()`)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from projects.models import Initiative


class InitiativeSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6
    limit = 5000

    def items(self):
        return Initiative.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, initiative):
        return initiative.updated_at


class TrackerPagesSitemap(Sitemap):
    """The fixed pages of the tracker: initiatives, strategy dashboard, sites and premises (one page for all sites)."""

    changefreq = "daily"
    priority = 0.7

    def items(self):
        return ["projects:initiative_list", "projects:strategy", "projects:site_list"]

    def location(self, name):
        return reverse(name)
