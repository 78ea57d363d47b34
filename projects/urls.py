from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("projets/", views.initiative_list, name="initiative_list"),
    path("projets/<slug:slug>/", views.initiative_detail, name="initiative_detail"),
    path("strategie/", views.strategy, name="strategy"),
    path("lieux/", views.site_list, name="site_list"),
]
