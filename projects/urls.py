from django.conf import settings
from django.urls import path

from projects import agenda_views, views
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
    path("agenda/", agenda_views.agenda, name="agenda"),
    path("agenda.ics", agenda_views.agenda_feed, name="agenda_feed"),
    path("agenda/proposer/", agenda_views.event_propose, name="event_propose"),
    path("agenda/proposer/merci/", agenda_views.event_propose_thanks, name="event_propose_thanks"),
    path("agenda/<slug:slug>/", agenda_views.event_detail, name="event_detail"),
    path("agenda/<slug:slug>.ics", agenda_views.event_ics, name="event_ics"),
    # Documents keep their storage URL (MEDIA_URL/projects/documents/…) but go through a view that checks access.
    path(
        f"{settings.MEDIA_URL.lstrip('/')}{DOCUMENTS_DIR}<path:name>",
        views.document_file,
        name="document_file",
    ),
]
