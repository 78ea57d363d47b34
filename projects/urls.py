from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("projets/<slug:slug>/", views.initiative_detail, name="initiative_detail"),
]
