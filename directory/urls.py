from django.urls import path

from directory import accessibility, contribution_views, views

app_name = "directory"

urlpatterns = [
    path("annuaire/", views.actor_list, name="actor_list"),
    path("annuaire/export.csv", views.actor_export, name="actor_export"),
    path("annuaire/proposer/", contribution_views.propose, name="propose"),
    path("annuaire/proposer/merci/", contribution_views.propose_thanks, name="propose_thanks"),
    path("annuaire/<slug:slug>/", views.actor_detail, name="actor_detail"),
    path("annuaire/<slug:slug>/corriger/", contribution_views.correct, name="correct"),
    path("annuaire/<slug:slug>/corriger/merci/", contribution_views.correct_thanks, name="correct_thanks"),
    path("accompagnement/", views.support_finder, name="support_finder"),
    path("mentions-legales/", views.legal, name="legal"),
    path("accessibilite/", accessibility.accessibility, name="accessibility"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
