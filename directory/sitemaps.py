"""Sitemaps of the directory's public pages (published actors only, through `.published()`)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from directory.models import Actor
from ess_portal.sitemaps import PublishedRecordSitemap


class ActorSitemap(PublishedRecordSitemap):
    url_name = "directory:actor_detail"

    def published(self):
        return Actor.objects.published()


class DirectoryPagesSitemap(Sitemap):
    """The fixed public pages of the site (home, directory, support finder, legal, privacy and accessibility pages)."""

    changefreq = "daily"
    priority = 0.8

    def items(self):
        return [
            "home",
            "directory:actor_list",
            "directory:deal_list",
            "directory:support_finder",
            "directory:legal",
            "directory:privacy",
            "directory:accessibility",
        ]

    def location(self, name):
        return reverse(name)
