from django.contrib.sitemaps import Sitemap
from django.urls import reverse


class PurchasingPagesSitemap(Sitemap):
    """The buyers' public pages: the suppliers' search and the board of needs."""

    changefreq = "daily"
    priority = 0.7

    def items(self):
        return ["purchasing:supplier_search", "purchasing:need_list"]

    def location(self, item):
        return reverse(item)
