from django.urls import path

from purchasing import views

app_name = "purchasing"

urlpatterns = [
    path("acheteurs/", views.supplier_search, name="supplier_search"),
    path("acheteurs/export.csv", views.supplier_export, name="supplier_export"),
    path("acheteurs/besoins/", views.need_list, name="need_list"),
    path("acheteurs/besoins/deposer/", views.need_new, name="need_new"),
    path("acheteurs/besoins/merci/", views.need_thanks, name="need_thanks"),
    path("acheteurs/besoins/suivi/<int:need_id>/<str:secret>/", views.need_follow, name="need_follow"),
    path("compte/fiches/<slug:slug>/offres/", views.account_offers, name="account_offers"),
    path("compte/fiches/<slug:slug>/offres/nouvelle/", views.account_offer, name="account_offer_new"),
    path("compte/fiches/<slug:slug>/offres/<int:pk>/", views.account_offer, name="account_offer"),
    path(
        "compte/fiches/<slug:slug>/offres/<int:pk>/retirer/",
        views.account_offer_withdraw,
        name="account_offer_withdraw",
    ),
]
