"""Sitemaps of the directory's public pages (published actors only, through `.published()`)."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from directory.models import Actor


class ActorSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6
    limit = 5000

    def items(self):
        return Actor.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, actor):
        return actor.updated_at


class DirectoryPagesSitemap(Sitemap):
    """The fixed public pages of the site (home, directory, support finder, legal, privacy and accessibility pages)."""

    changefreq = "daily"
    priority = 0.8

    def items(self):
        return [
            "home",
            "directory:actor_list",
            "directory:support_finder",
            "directory:legal",
            "directory:privacy",
            "directory:accessibility",
        ]

    def location(self, name):
        return reverse(name)
