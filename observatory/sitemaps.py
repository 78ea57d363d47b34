"""The observatory's pages in the sitemap: the page, and the report of each year with published figures."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from observatory import services


class ObservatorySitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return [None, *services.published_years()]

    def location(self, year):
        return reverse("observatory:observatory") if year is None else reverse("observatory:report", args=[year])
