"""Change requests a partner's tokens made: where each stands in the moderators' queue.

A token reads those of its organisation, staff signed in to the admin read them all; nobody else
reads any. Another organisation's request is a 404, exactly as an unknown one.
"""

from django.db.models import Max
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.reverse import reverse

from directory.filters import ChangeRequestFilterSet
from directory.models import ChangeRequest
from ess_portal.api.auth import api_token, can_read_unpublished
from ess_portal.api.permissions import TokenOrStaffRead
from ess_portal.api.schema import read_responses
from ess_portal.api.views import ApiViewMixin, RecordRetrieveMixin


class ChangeRequestSerializer(serializers.ModelSerializer):
    """A change request as its author reads it: what it proposes and what the moderators decided."""

    actor = serializers.SerializerMethodField(
        help_text=_("Identifiant de la fiche concernée ; null si elle n'est pas (ou plus) lisible par vous.")
    )
    changes = serializers.DictField(
        read_only=True,
        help_text=_(
            "Valeurs proposées, par champ, telles que la fiche les lit : identifiants pour les secteurs, "
            "rôles et quartier, codes INSEE pour les communes, nombres décimaux en texte."
        ),
    )
    decision_reason = serializers.SerializerMethodField(
        help_text=_("Motif donné par l'équipe ; null tant que la demande n'est pas décidée.")
    )
    applied_fields = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("Champs acceptés (vide tant que rien n'est décidé).")
    )
    url = serializers.SerializerMethodField(help_text=_("Adresse de cette demande dans l'API."))

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "kind",
            "state",
            "actor",
            "changes",
            "created_at",
            "decided_at",
            "decision_reason",
            "applied_fields",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.SlugField(allow_null=True))
    def get_actor(self, obj) -> str | None:
        actor = obj.actor
        if actor is None or not (actor.is_published or can_read_unpublished(self.context.get("request"))):
            return None
        return actor.slug

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decision_reason(self, obj) -> str | None:
        return obj.decision_reason if obj.decided_at is not None else None

    def get_url(self, obj) -> str:
        return reverse("change-request-detail", kwargs={"pk": obj.pk}, request=self.context.get("request"))


@extend_schema_view(
    list=extend_schema(
        summary=_("Demandes de modification de son organisation"),
        description=_(
            "Les demandes faites par les jetons de votre organisation (toutes pour l'équipe connectée), "
            "des plus anciennes aux plus récentes : une modification d'une fiche publiée attend la "
            "décision de l'équipe (pending), puis est acceptée (approved), acceptée en partie (partial) "
            "ou refusée (rejected)."
        ),
        responses={200: ChangeRequestSerializer(many=True), **read_responses()},
    ),
    retrieve=extend_schema(
        summary=_("Une demande de modification"),
        description=_("Une demande d'un jeton de votre organisation ; celle d'une autre organisation est une 404."),
        responses={200: ChangeRequestSerializer, **read_responses()},
    ),
)
class ChangeRequestViewSet(ApiViewMixin, RecordRetrieveMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Change requests: a token reads its organisation's, a staff session all of them."""

    serializer_class = ChangeRequestSerializer
    permission_classes = [TokenOrStaffRead]
    anonymous_reads = False
    filterset_class = ChangeRequestFilterSet
    ordering_fields = ["created_at"]

    def get_queryset(self):
        queryset = ChangeRequest.objects.select_related("actor")
        token = api_token(self.request)
        if token is not None:
            return queryset.filter(token__organisation_id=token.organisation_id)
        # A staff session: the permission lets nobody else in.
        return queryset

    def list(self, request, *args, **kwargs):
        # Over this caller's requests only: another organisation's activity does not show in the header.
        latest = self.get_queryset().aggregate(created=Max("created_at"), decided=Max("decided_at"))
        self.last_modified = max((value for value in latest.values() if value is not None), default=None)
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        # A request moves twice: when it is made, when it is decided.
        self.last_modified = self.record.decided_at or self.record.created_at
        return response
