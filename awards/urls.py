from django.conf import settings
from django.urls import path

from awards import jury_views, views
from awards.models import ATTACHMENTS_DIR

app_name = "awards"

urlpatterns = [
    path("trophees/", views.edition_list, name="edition_list"),
    path("trophees/jury/", jury_views.jury_home, name="jury_home"),
    path("trophees/jury/connexion/", jury_views.JuryLoginView.as_view(), name="jury_login"),
    path("trophees/jury/deconnexion/", jury_views.JuryLogoutView.as_view(), name="jury_logout"),
    path("trophees/jury/<int:year>/deliberation/", jury_views.jury_deliberation, name="jury_deliberation"),
    path("trophees/jury/<int:year>/<int:pk>/", jury_views.jury_application, name="jury_application"),
    path("trophees/<int:year>/", views.edition_detail, name="edition_detail"),
    path("trophees/<int:year>/candidater/", views.apply, name="apply"),
    path("trophees/<int:year>/candidater/merci/", views.apply_thanks, name="apply_thanks"),
    # Attachments keep their storage URL (MEDIA_URL/awards/attachments/…) but go through a view that checks access.
    path(
        f"{settings.MEDIA_URL.lstrip('/')}{ATTACHMENTS_DIR}<path:name>", views.attachment_file, name="attachment_file"
    ),
]
