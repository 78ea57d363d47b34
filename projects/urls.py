from django.conf import settings
from django.urls import path

from projects import views
from projects.feeds import InitiativeNewsFeed
from projects.models import DOCUMENTS_DIR

app_name = "projects"

urlpatterns = [
    path("projets/", views.initiative_list, name="initiative_list"),
    path("projets/actualites.atom", InitiativeNewsFeed(), name="news_feed"),
    path("projets/<slug:slug>/", views.initiative_detail, name="initiative_detail"),
    path("strategie/", views.strategy, name="strategy"),
    path("strategie/consultations/", views.consultation_list, name="consultation_list"),
    path("lieux/", views.site_list, name="site_list"),
    # Documents keep their storage URL (MEDIA_URL/projects/documents/…) but go through a view that checks access.
    path(
        f"{settings.MEDIA_URL.lstrip('/')}{DOCUMENTS_DIR}<path:name>",
        views.document_file,
        name="document_file",
    ),
]
