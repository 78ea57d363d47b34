"""Atom feed of the public news of initiatives (`/projets/actualites.atom`)."""

from datetime import datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from projects.models import JournalEntry

FEED_LENGTH = 30


class InitiativeNewsFeed(Feed):
    feed_type = Atom1Feed
    title = _("Actualités des projets ESS d'Est Ensemble")
    subtitle = _("Les dernières nouvelles publiques des projets de la stratégie ESS d'Est Ensemble.")
    link = "/projets/"

    def feed_url(self):
        return f"{settings.SITE_URL}/projets/actualites.atom"

    def items(self):
        return JournalEntry.objects.public().select_related("initiative").order_by("-entry_date", "-pk")[:FEED_LENGTH]

    def item_title(self, item):
        return f"{item.initiative.title} — {item.title}"

    def item_description(self, item):
        return item.body

    def item_link(self, item):
        return f"{item.initiative.get_absolute_url()}#actualite-{item.pk}"

    def item_pubdate(self, item):
        return timezone.make_aware(datetime.combine(item.entry_date, time(12)))

    def item_updateddate(self, item):
        return item.created_at

    def item_guid(self, item):
        return f"{settings.SITE_URL}/projets/#actualite-{item.pk}"

    item_guid_is_permalink = False
