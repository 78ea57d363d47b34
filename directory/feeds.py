"""Atom feed of newly published actors (`/annuaire/nouveautes.atom`)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from directory.models import Actor

FEED_LENGTH = 30


class NewActorsFeed(Feed):
    feed_type = Atom1Feed
    title = _("Nouveaux acteurs de l'annuaire ESS d'Est Ensemble")
    subtitle = _("Les dernières fiches publiées dans l'annuaire de l'économie sociale et solidaire d'Est Ensemble.")
    link = "/annuaire/"

    def feed_url(self):
        return f"{settings.SITE_URL}/annuaire/nouveautes.atom"

    def items(self):
        return (
            Actor.objects.published()
            .filter(published_at__isnull=False)
            .select_related("commune")
            .order_by("-published_at", "-pk")[:FEED_LENGTH]
        )

    def item_title(self, item):
        return f"{item.name} ({item.commune.name})" if item.commune_id else item.name

    def item_description(self, item):
        return item.short_description or item.description[:300]

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_guid(self, item):
        # Stable across renames: the slug may change, the record does not.
        return f"{settings.SITE_URL}/annuaire/#acteur-{item.pk}"

    item_guid_is_permalink = False
