"""FilterSets shared by the HTML pages and the API (one per list)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from directory.filters import (
    CodeMultipleChoiceFilter,
    PortalFilterSet,
    StrictBooleanFilter,
    YearFilter,
    actors_in_sectors,
    updated_since_filter,
)
from directory.models import Actor, Commune, Neighbourhood, Sector
from directory.search import contains_words, search_words
from ess_portal.api.auth import visible
from projects.models import Consultation, ConsultationParticipant, Event, Initiative, Site, StrategyAxis


def _visible_actors(request):
    # An unpublished actor's slug answers as an unknown one, unless the caller may read unpublished records.
    return visible(Actor.objects.all(), request)


def _matching(text: str, *fields: str) -> Q:
    """The rows whose `fields` contain every word of `text`, ignoring accents and case, tested in SQL.

    The same normalisation on SQLite and PostgreSQL (`directory.search.NormalizedText`), so that both
    give the same answer; no row is read into Python.
    """
    words = search_words(text)
    if not words:
        return Q(pk__in=[])
    return contains_words(words, *fields)


class InitiativeFilterSet(PortalFilterSet):
    # Model choice filters filter on `<field_name>=<option's to_field_name value>`: field_name must
    # therefore name that public code (axis__slug, communes__insee_code…), not the foreign key.
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Recherche"),
        help_text=_("Mots de l'intitulé ou du résumé ; les accents et majuscules sont ignorés."),
    )
    axis = CodeMultipleChoiceFilter(
        field_name="axis__slug",
        to_field_name="slug",
        queryset=StrategyAxis.objects.all(),
        label=_("Axe stratégique"),
        help_text=_("Identifiant de l'axe (répétable)."),
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Initiative.Status.choices, label=_("Statut"), help_text=_("Statut du projet (répétable).")
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Initiative.Kind.choices, label=_("Type de projet"), help_text=_("Type de projet (répétable).")
    )
    health = django_filters.MultipleChoiceFilter(
        choices=Initiative.Health.choices,
        label=_("Santé"),
        help_text=_("Santé du projet : dans les temps, à surveiller, en retard, bloqué (répétable)."),
    )
    commune = CodeMultipleChoiceFilter(
        field_name="communes__insee_code",
        to_field_name="insee_code",
        queryset=Commune.objects.all(),
        label=_("Commune"),
        help_text=_("Code INSEE d'une commune concernée (répétable)."),
        distinct=True,
    )
    neighbourhood = CodeMultipleChoiceFilter(
        field_name="neighbourhoods__slug",
        to_field_name="slug",
        queryset=Neighbourhood.objects.all(),
        label=_("Quartier prioritaire"),
        help_text=_("Identifiant du quartier (répétable)."),
        distinct=True,
    )
    actor = CodeMultipleChoiceFilter(
        field_name="involvements__actor__slug",
        to_field_name="slug",
        queryset=_visible_actors,
        label=_("Acteur impliqué"),
        help_text=_("Identifiant d'un acteur impliqué, quel que soit son rôle (répétable)."),
        distinct=True,
    )
    lead_actor = CodeMultipleChoiceFilter(
        field_name="lead_actor__slug",
        to_field_name="slug",
        queryset=_visible_actors,
        label=_("Porteur"),
        help_text=_("Identifiant de l'acteur porteur (répétable)."),
    )
    updated_since = updated_since_filter()

    distinct = True

    class Meta:
        model = Initiative
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(_matching(value, "title", "summary"))


class SiteFilterSet(PortalFilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Recherche"),
        help_text=_("Mots du nom ou de l'adresse du lieu ; les accents et majuscules sont ignorés."),
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Site.Kind.choices, label=_("Type de lieu"), help_text=_("Type de lieu (répétable).")
    )
    pipeline_stage = django_filters.MultipleChoiceFilter(
        choices=Site.Pipeline.choices,
        label=_("Étape d'occupation"),
        help_text=_("Étape de l'occupation (répétable)."),
    )
    commune = CodeMultipleChoiceFilter(
        field_name="commune__insee_code",
        to_field_name="insee_code",
        queryset=Commune.objects.all(),
        label=_("Commune"),
        help_text=_("Code INSEE de la commune (répétable)."),
    )
    neighbourhood = CodeMultipleChoiceFilter(
        field_name="neighbourhood__slug",
        to_field_name="slug",
        queryset=Neighbourhood.objects.all(),
        label=_("Quartier prioritaire"),
        help_text=_("Identifiant du quartier (répétable)."),
    )
    available = StrictBooleanFilter(
        method="filter_available",
        label=_("Disponible"),
        help_text=_("true : lieux repérés ou en négociation, pas encore occupés."),
    )
    updated_since = updated_since_filter()

    class Meta:
        model = Site
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(_matching(value, "name", "address"))

    def filter_available(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.available() if value else queryset.exclude(pipeline_stage__in=Site.AVAILABLE_STAGES)


def _published_initiatives(request):
    # An unpublished initiative's slug answers as an unknown one, unless the caller may read unpublished records.
    return visible(Initiative.objects.all(), request)


class ConsultationFilterSet(PortalFilterSet):
    """The consultations across initiatives: the page `/strategie/consultations/` and `/api/v1/consultations/`."""

    year = YearFilter(
        field_name="held_on",
        lookup_expr="year",
        min_value=1990,
        max_value=2100,
        label=_("Année"),
        help_text=_("Année où la consultation a eu lieu (par exemple 2024)."),
    )
    commune = CodeMultipleChoiceFilter(
        method="filter_commune",
        to_field_name="insee_code",
        queryset=Commune.objects.all(),
        label=_("Commune"),
        help_text=_("Code INSEE d'une commune d'un des projets concernés (répétable)."),
    )
    initiative = CodeMultipleChoiceFilter(
        method="filter_initiative",
        to_field_name="slug",
        queryset=_published_initiatives,
        label=_("Projet"),
        help_text=_("Identifiant d'un projet concerné, principal ou non (répétable)."),
    )
    participant_kind = django_filters.MultipleChoiceFilter(
        method="filter_participant_kind",
        choices=ConsultationParticipant.Kind.choices,
        label=_("Type de participant"),
        help_text=_("Des acteurs de ce type y ont pris part (répétable)."),
    )
    actor = CodeMultipleChoiceFilter(
        method="filter_actor",
        to_field_name="slug",
        queryset=_visible_actors,
        label=_("Acteur participant"),
        help_text=_("Identifiant d'un acteur qui y a pris part (répétable)."),
    )
    updated_since = updated_since_filter()

    class Meta:
        model = Consultation
        fields = []

    # Each filter is a subquery on the consultation's id: no join repeats a row, no DISTINCT.
    def filter_commune(self, queryset, name, value):
        if not value:
            return queryset
        concerned = Q(initiative__communes__in=value) | Q(other_initiatives__communes__in=value)
        return queryset.filter(pk__in=Consultation.objects.filter(concerned).values("pk"))

    def filter_initiative(self, queryset, name, value):
        if not value:
            return queryset
        concerned = Q(initiative__in=value) | Q(other_initiatives__in=value)
        return queryset.filter(pk__in=Consultation.objects.filter(concerned).values("pk"))

    def filter_participant_kind(self, queryset, name, value):
        if not value:
            return queryset
        # Only published actors count: a kind filled by an unpublished actor alone finds nothing.
        participants = ConsultationParticipant.objects.filter(kind__in=value, actor__in=_visible_actors(self.request))
        return queryset.filter(pk__in=participants.values("consultation"))

    def filter_actor(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=ConsultationParticipant.objects.filter(actor__in=value).values("consultation"))


class EventFilterSet(PortalFilterSet):
    """The agenda's criteria: the page `/agenda/`, the feed `/agenda.ics` and `/api/v1/events/` share them.

    `when` has no default here (every published event, for the API's synchronisation and the feed):
    the page asks for `upcoming` when the visitor chose nothing.
    """

    UPCOMING, PAST = "upcoming", "past"

    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Recherche"),
        help_text=_("Mots du titre ou de la description ; les accents et majuscules sont ignorés."),
    )
    when = django_filters.ChoiceFilter(
        method="filter_when",
        choices=[(UPCOMING, _("à venir ou en cours")), (PAST, _("passés"))],
        label=_("Période"),
        help_text=_("upcoming : pas encore terminés ; past : terminés. Sans valeur : tous."),
    )
    kind = django_filters.MultipleChoiceFilter(
        choices=Event.Kind.choices, label=_("Type d'événement"), help_text=_("Type d'événement (répétable).")
    )
    commune = CodeMultipleChoiceFilter(
        field_name="commune__insee_code",
        to_field_name="insee_code",
        queryset=Commune.objects.all(),
        label=_("Commune"),
        help_text=_("Code INSEE de la commune où se tient l'événement (répétable)."),
        distinct=False,
    )
    sector = CodeMultipleChoiceFilter(
        method="filter_sector",
        to_field_name="slug",
        queryset=Sector.objects.all(),
        label=_("Secteur des organisateurs"),
        help_text=_(
            "Identifiant du secteur d'un organisateur publié (répétable) ; un secteur principal inclut ses "
            "sous-secteurs."
        ),
    )
    actor = CodeMultipleChoiceFilter(
        method="filter_actor",
        to_field_name="slug",
        queryset=_visible_actors,
        label=_("Organisateur"),
        help_text=_("Identifiant d'un acteur organisateur (répétable)."),
    )
    initiative = CodeMultipleChoiceFilter(
        method="filter_initiative",
        to_field_name="slug",
        queryset=lambda request: visible(Initiative.objects.all(), request),
        label=_("Projet lié"),
        help_text=_("Identifiant d'un projet lié (répétable)."),
    )
    attendance_mode = django_filters.MultipleChoiceFilter(
        choices=Event.Attendance.choices,
        label=_("Participation"),
        help_text=_("Sur place, en ligne, ou les deux (répétable)."),
    )
    updated_since = updated_since_filter()

    # Many-valued criteria are subqueries on the link tables, never joins: each event comes once.
    distinct = False

    class Meta:
        model = Event
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(_matching(value, "title", "description"))

    def filter_when(self, queryset, name, value):
        if value == self.UPCOMING:
            return queryset.upcoming()
        if value == self.PAST:
            return queryset.past()
        return queryset

    def filter_sector(self, queryset, name, value):
        if not value:
            return queryset
        # Only published organisers count: an unpublished actor's sectors say nothing in public.
        organisers = Actor.objects.published().filter(pk__in=actors_in_sectors(value))
        links = Event.actors.through.objects.filter(actor__in=organisers)
        return queryset.filter(pk__in=links.values("event_id"))

    def filter_actor(self, queryset, name, value):
        if not value:
            return queryset
        links = Event.actors.through.objects.filter(actor_id__in=sorted(actor.pk for actor in value))
        return queryset.filter(pk__in=links.values("event_id"))

    def filter_initiative(self, queryset, name, value):
        if not value:
            return queryset
        links = Event.initiatives.through.objects.filter(initiative_id__in=sorted(item.pk for item in value))
        return queryset.filter(pk__in=links.values("event_id"))
