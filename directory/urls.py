from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("annuaire/", views.actor_list, name="actor_list"),
    path("annuaire/export.csv", views.actor_export, name="actor_export"),
    path("annuaire/<slug:slug>/", views.actor_detail, name="actor_detail"),
    path("accompagnement/", views.support_finder, name="support_finder"),
    path("mentions-legales/", views.legal, name="legal"),
    path("confidentialite/", views.privacy, name="privacy"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
