"""Root URLs: public pages, the staff admin and the partner API."""

from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from awards.sitemaps import AwardsSitemap
from directory.sitemaps import ActorSitemap, DirectoryPagesSitemap
from ess_portal import views
from observatory.sitemaps import ObservatorySitemap
from projects.sitemaps import InitiativeSitemap, TrackerPagesSitemap
from purchasing.sitemaps import PurchasingPagesSitemap

admin.site.site_header = _("ESS Portal — administration")
admin.site.site_title = _("ESS Portal")
admin.site.index_title = _("Annuaire et stratégie ESS d'Est Ensemble")

# Each app adds its sitemap here (published records only, through their `.published()`). `/sitemap.xml`
# is the index: it lists every page of every section (`/sitemap-actors.xml?p=2`…).
SITEMAPS = {
    "pages": DirectoryPagesSitemap,
    "actors": ActorSitemap,
    "tracker": TrackerPagesSitemap,
    "initiatives": InitiativeSitemap,
    "observatory": ObservatorySitemap,
    "awards": AwardsSitemap,
    "purchasing": PurchasingPagesSitemap,
}

# Errors the views did not handle: JSON under /api/, a 503 while the database is unreachable.
handler400 = "ess_portal.errors.bad_request"
handler500 = "ess_portal.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("admin/moderation/revendications/", include("directory.admin_claims")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("ess_portal.api_urls")),
    path("", include("directory.urls")),
    path("", include("projects.urls")),
    path("", include("observatory.urls")),
    path("", include("awards.urls")),
    path("", include("purchasing.urls")),
]
