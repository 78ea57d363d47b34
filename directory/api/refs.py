"""References to records in other payloads: communes by INSEE code, actors by slug and name.

A reference to an actor the caller may not see (a draft, a record pending review, an archived
one) never names it: it reads `{"slug": null, "name": "Structure non publiée"}`, as the public
pages say « une structure dont la fiche n'est pas publiée ». Lists of actors (involvements,
occupants) leave such actors out instead.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from directory.models import Actor, Commune
from ess_portal.api.auth import can_read_unpublished

UNPUBLISHED_ACTOR_NAME = _("Structure non publiée")


def public_url(obj) -> str:
    """The absolute address of a record's public page (SITE_URL + its path)."""
    return settings.SITE_URL + obj.get_absolute_url()


class CommuneRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Commune
        fields = ["insee_code", "name"]


class ActorRefSerializer(serializers.ModelSerializer):
    """An actor named in another record; a placeholder when the caller may not see it."""

    slug = serializers.SlugField(
        read_only=True, allow_null=True, help_text=_("Identifiant de l'acteur ; null si sa fiche n'est pas publiée.")
    )
    name = serializers.CharField(read_only=True, help_text=_("Nom, ou « Structure non publiée »."))

    class Meta:
        model = Actor
        fields = ["slug", "name"]

    def to_representation(self, instance):
        if instance.is_published or can_read_unpublished(self.context.get("request")):
            return super().to_representation(instance)
        return {"slug": None, "name": str(UNPUBLISHED_ACTOR_NAME)}
