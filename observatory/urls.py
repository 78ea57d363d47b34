from django.urls import path

from observatory import views

app_name = "observatory"

urlpatterns = [
    path("observatoire/", views.observatory, name="observatory"),
    path("observatoire/<int:year>/rapport/", views.report, name="report"),
    path("compte/chiffres/", views.account_figures_home, name="account_figures_home"),
    path("compte/chiffres/<slug:slug>/", views.account_figures, name="account_figures"),
]
