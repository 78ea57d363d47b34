from django.urls import path

from directory import freshness, views

app_name = "directory"

urlpatterns = [
    path("annuaire/", views.actor_list, name="actor_list"),
    path("annuaire/export.csv", views.actor_export, name="actor_export"),
    path("annuaire/<slug:slug>/", views.actor_detail, name="actor_detail"),
    path("annuaire/<slug:slug>/toujours-exact/<str:token>/", freshness.still_accurate, name="actor_still_accurate"),
    path("accompagnement/", views.support_finder, name="support_finder"),
    path("mentions-legales/", views.legal, name="legal"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
