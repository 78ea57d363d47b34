"""Suppliers' offers and buyers' needs waiting for a moderator, in the directory's moderation queue.

The directory imports no other app: the buyers' entry point registers its pending records with the
queue (`directory.moderation.register_queue_source`) from `PurchasingConfig.ready`. Each line opens
the record's admin page, where a moderator approves, refuses or archives it.
"""

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory import moderation
from directory.models import PublicationStatus


def pending_offers():
    from purchasing.models import SupplierOffer

    return SupplierOffer.objects.filter(status=PublicationStatus.PENDING).select_related("actor")


def offer_row(offer) -> moderation.QueueRow:
    return moderation.QueueRow(
        pk=offer.pk,
        created_at=offer.created_at,
        url=reverse("admin:purchasing_supplieroffer_change", args=[offer.pk]),
        nature=gettext("offre aux acheteurs"),
        record=f"{offer.title} — {offer.actor.name}",
        sender=offer.actor.name,
    )


def pending_needs():
    from purchasing.models import BuyerNeed

    return BuyerNeed.objects.pending()


def need_row(need) -> moderation.QueueRow:
    return moderation.QueueRow(
        pk=need.pk,
        created_at=need.created_at,
        url=reverse("admin:purchasing_buyerneed_change", args=[need.pk]),
        nature=gettext("besoin d'acheteur"),
        record=need.title,
        sender=need.buyer_name,
    )


def register() -> None:
    moderation.register_queue_source(
        moderation.QueueSource(kind="offer", label=_("offres aux acheteurs"), pending=pending_offers, row=offer_row)
    )
    moderation.register_queue_source(
        moderation.QueueSource(kind="need", label=_("besoins d'acheteurs"), pending=pending_needs, row=need_row)
    )
