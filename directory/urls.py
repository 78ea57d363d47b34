from django.urls import path

from directory import accessibility, account_views, contribution_views, freshness, views
from directory.feeds import NewActorsFeed

app_name = "directory"

urlpatterns = [
    path("annuaire/", views.actor_list, name="actor_list"),
    path("annuaire/export.csv", views.actor_export, name="actor_export"),
    path("annuaire/nouveautes.atom", NewActorsFeed(), name="actor_feed"),
    path("annuaire/reseau/", views.network, name="network"),
    path("annuaire/transactions/", views.deal_list, name="deal_list"),
    path("annuaire/proposer/", contribution_views.propose, name="propose"),
    path("annuaire/proposer/merci/", contribution_views.propose_thanks, name="propose_thanks"),
    path("annuaire/<slug:slug>/", views.actor_detail, name="actor_detail"),
    path("annuaire/<slug:slug>/corriger/", contribution_views.correct, name="correct"),
    path("annuaire/<slug:slug>/corriger/merci/", contribution_views.correct_thanks, name="correct_thanks"),
    path("annuaire/<slug:slug>/toujours-exact/<str:token>/", freshness.still_accurate, name="actor_still_accurate"),
    path("annuaire/<slug:slug>/revendiquer/", account_views.actor_claim, name="actor_claim"),
    path("annuaire/<slug:slug>/revendiquer/envoyee/", account_views.claim_sent, name="claim_sent"),
    path("annuaire/revendiquer/<int:claim_id>/<str:secret>/", account_views.claim_confirm, name="claim_confirm"),
    path("compte/", account_views.account_home, name="account_home"),
    path("compte/connexion/", account_views.LoginView.as_view(), name="account_login"),
    path("compte/deconnexion/", account_views.LogoutView.as_view(), name="account_logout"),
    path("compte/mot-de-passe/oublie/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("compte/mot-de-passe/envoye/", account_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "compte/mot-de-passe/<uidb64>/<token>/",
        account_views.SetPasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path("compte/fiches/<slug:slug>/", account_views.account_actor, name="account_actor"),
    path("accompagnement/", views.support_finder, name="support_finder"),
    path("mentions-legales/", views.legal, name="legal"),
    path("confidentialite/", views.privacy, name="privacy"),
    path("accessibilite/", accessibility.accessibility, name="accessibility"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
]
