"""Root URLs: public pages, the staff admin and the partner API."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("ESS Portal — administration")
admin.site.site_title = _("ESS Portal")
admin.site.index_title = _("Annuaire et stratégie ESS d'Est Ensemble")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("directory.urls")),
    path("", include("projects.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
