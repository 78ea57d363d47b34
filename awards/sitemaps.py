"""Sitemap of the awards' public pages: the list and each public edition."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from awards.models import Edition


class AwardsSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return ["awards:edition_list", *Edition.objects.public().order_by("-year").values_list("year", flat=True)]

    def location(self, item):
        if isinstance(item, str):
            return reverse(item)
        return reverse("awards:edition_detail", kwargs={"year": item})
