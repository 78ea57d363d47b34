from django.urls import path

from directory import views

app_name = "directory"

urlpatterns = [
    path("annuaire/<slug:slug>/", views.actor_detail, name="actor_detail"),
]
