"""What the sitemaps of both apps share: sections of published records, paged by the sitemap index.

`/sitemap.xml` is an index (`django.contrib.sitemaps.views.index`) listing every page of every
section; a section holds at most `SITEMAP_LIMIT` URLs (the sitemaps protocol's ceiling), so that
every published record is listed however large the directory grows.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils.functional import cached_property

# The sitemaps protocol allows 50,000 URLs (and 50 MB) per file.
SITEMAP_LIMIT = 50_000

_SLUG_PLACEHOLDER = "sitemap-slug"


class PublishedRecordSitemap(Sitemap):
    """One URL per published record, by slug, with its `updated_at` as lastmod.

    Subclasses give `url_name` (a route taking `slug`) and `published()` (the model's visibility
    rule). Rows are read with only the columns the URL and lastmod need, in primary-key order
    (indexed, stable across pages); the URL is built from one reversed pattern rather than one
    `reverse()` per row, and the index's lastmod is one `MAX()`, not a pass over every row.
    """

    changefreq = "weekly"
    priority = 0.6
    limit = SITEMAP_LIMIT
    url_name = ""

    def published(self) -> QuerySet:
        raise NotImplementedError

    def items(self):
        return self.published().only("pk", "slug", "updated_at").order_by("pk")

    def location(self, item):
        prefix, suffix = self._url_around_slug
        return f"{prefix}{item.slug}{suffix}"

    @cached_property
    def _url_around_slug(self) -> tuple[str, str]:
        prefix, _placeholder, suffix = reverse(self.url_name, kwargs={"slug": _SLUG_PLACEHOLDER}).partition(
            _SLUG_PLACEHOLDER
        )
        return prefix, suffix

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        return self.published().aggregate(latest=Max("updated_at"))["latest"]
