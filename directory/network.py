"""The cooperation network of published actors, as the page /annuaire/reseau/ and the actor pages show it.

`build_network` reads the links the criteria keep and the actors they touch (two queries, whatever the
size) and works on them in memory: partners and degrees, the figures (most connected actors, isolated
actors, links between the audit's two typologies, links across communes), a focus on one actor and
its neighbours to `FOCUS_DEPTH` steps, and the part of the graph a browser draws: `GRAPH_NODE_LIMIT`
actors at most, the most connected (or the nearest to the focus), with the links between them. The
table of links and the list of actors, paginated, always carry the whole network.

Only published actors are read: the links come from `Cooperation.objects.published()` and the actors
from `Actor.objects.published()`.
"""

import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from directory.models import Actor, Cooperation, Sector, Typology

# The graph a browser draws stays readable and light at 60,000 links: the most connected actors.
GRAPH_NODE_LIMIT = 150
GRAPH_EDGE_LIMIT = 2000
# The focus on one actor: its partners, and their partners.
FOCUS_DEPTH = 2
TOP_CONNECTED = 10
ISOLATED_SHOWN = 30

# Colour-blind-safe colours (Okabe and Ito, then Paul Tol's), the same in the graph and its legends.
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#882255",
    "#117733",
    "#332288",
    "#AA4499",
    "#44AA99",
    "#999933",
)
NO_CATEGORY = "#8A8A8A"
TYPOLOGY_COLOURS = {
    Typology.ENTREPRENEURIAL: "#0072B2",
    Typology.MILITANT: "#D55E00",
    Typology.UNDETERMINED: NO_CATEGORY,
}
KIND_COLOURS = {
    Cooperation.Kind.PARTNERSHIP: "#0072B2",
    Cooperation.Kind.MEMBERSHIP: "#009E73",
    Cooperation.Kind.SUPPLY: "#D55E00",
    Cooperation.Kind.SHARED_PROJECT: "#CC79A7",
    Cooperation.Kind.POOLING: "#E69F00",
}


class Node(NamedTuple):
    """A published actor of the network (tuples: tens of thousands are made per page at scale)."""

    pk: int
    slug: str
    name: str
    typology: str
    commune_id: int | None
    commune_name: str
    # The order of lists: by name, whatever the case, then by id.
    key: tuple

    @property
    def url(self) -> str:
        return reverse("directory:actor_detail", kwargs={"slug": self.slug})

    @property
    def typology_label(self) -> str:
        return Typology(self.typology).label if self.typology in Typology.values else self.typology


class Link(NamedTuple):
    pk: int
    source: Node
    target: Node
    kind: str
    is_formal: bool
    since: object

    @property
    def kind_label(self) -> str:
        return Cooperation.Kind(self.kind).label

    def other(self, node: Node) -> Node:
        return self.target if node.pk == self.source.pk else self.source


def collation_key(text: str) -> str:
    """`text` compared as a French reader would: without case or accents (« Épicerie » before « Jardin »)."""
    return "".join(char for char in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(char))


def _sort_key(node: Node):
    return node.key


@dataclass
class Network:
    """Actors (linked or isolated) and the links between them, with what the page says about them."""

    nodes: dict[int, Node] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    focus: Node | None = None
    distances: dict[int, int] = field(default_factory=dict)

    def __post_init__(self):
        self.incident: dict[int, list[Link]] = defaultdict(list)
        self.partners: dict[int, set[int]] = defaultdict(set)
        for link in self.links:
            self.incident[link.source.pk].append(link)
            self.incident[link.target.pk].append(link)
            self.partners[link.source.pk].add(link.target.pk)
            self.partners[link.target.pk].add(link.source.pk)

    def degree(self, pk: int) -> int:
        """Number of distinct partners."""
        return len(self.partners.get(pk, ()))

    def sorted_nodes(self) -> list[Node]:
        return sorted(self.nodes.values(), key=_sort_key)

    def links_of(self, node: Node) -> list[Link]:
        return sorted(self.incident.get(node.pk, []), key=lambda link: (_sort_key(link.other(node)), link.kind))

    @property
    def linked_count(self) -> int:
        return sum(1 for pk in self.nodes if self.partners.get(pk))

    def isolated(self) -> list[Node]:
        return [node for node in self.sorted_nodes() if not self.partners.get(node.pk)]

    def most_connected(self, limit: int = TOP_CONNECTED) -> list[dict]:
        ranked = sorted(
            (node for node in self.nodes.values() if self.partners.get(node.pk)),
            key=lambda node: (-self.degree(node.pk), -len(self.incident[node.pk]), _sort_key(node)),
        )
        return [
            {"node": node, "partners": self.degree(node.pk), "links": len(self.incident[node.pk])}
            for node in ranked[:limit]
        ]

    def by_kind(self) -> list[dict]:
        counts = Counter(link.kind for link in self.links)
        formal = Counter(link.kind for link in self.links if link.is_formal)
        return [
            {
                "kind": value,
                "label": label,
                "count": counts[value],
                "formal": formal[value],
                "colour": KIND_COLOURS[value],
            }
            for value, label in Cooperation.Kind.choices
        ]

    @property
    def formal_count(self) -> int:
        return sum(1 for link in self.links if link.is_formal)

    def typology_pairs(self) -> list[dict]:
        """Links by the typologies of their two ends (unordered), the audit's two kinds first."""
        order = [Typology.ENTREPRENEURIAL, Typology.MILITANT, Typology.UNDETERMINED]
        rank = {value: index for index, value in enumerate(order)}
        counts = Counter(
            tuple(sorted((link.source.typology, link.target.typology), key=lambda value: rank.get(value, 9)))
            for link in self.links
        )
        pairs = [(Typology.ENTREPRENEURIAL, Typology.MILITANT)] + [
            (a, b)
            for i, a in enumerate(order)
            for b in order[i:]
            if (a, b) != (Typology.ENTREPRENEURIAL, Typology.MILITANT)
        ]
        total = len(self.links)
        return [
            {
                "first": Typology(a).label,
                "second": Typology(b).label,
                "count": counts[(a, b)],
                "percent": round(100 * counts[(a, b)] / total) if total else 0,
                "between_kinds": (a, b) == (Typology.ENTREPRENEURIAL, Typology.MILITANT),
            }
            for a, b in pairs
        ]

    def communes(self) -> dict:
        """Links within one commune, across two, and with an end whose commune is unknown."""
        across = within = unknown = 0
        for link in self.links:
            if link.source.commune_id is None or link.target.commune_id is None:
                unknown += 1
            elif link.source.commune_id == link.target.commune_id:
                within += 1
            else:
                across += 1
        total = len(self.links)
        return {
            "across": across,
            "within": within,
            "unknown": unknown,
            "across_percent": round(100 * across / total) if total else 0,
        }

    def drawn_nodes(self) -> list[Node]:
        """The actors the graph draws: linked ones, the nearest to the focus then the most connected first."""
        candidates = [node for node in self.nodes.values() if self.partners.get(node.pk) or node == self.focus]
        candidates.sort(key=lambda node: (self.distances.get(node.pk, 0), -self.degree(node.pk), _sort_key(node)))
        return candidates[:GRAPH_NODE_LIMIT]

    def graph(self, *, sectors: dict[int, Sector | None], colour_by: str, focus_base_url: str) -> dict:
        """What the browser draws (templates/directory/includes/network_graph.html, static/js/network.js)."""
        drawn = self.drawn_nodes()
        ids = {node.pk for node in drawn}
        edges = [link for link in self.links if link.source.pk in ids and link.target.pk in ids][:GRAPH_EDGE_LIMIT]
        sector_colours = sector_palette(sectors.values())
        nodes = []
        for node in drawn:
            sector = sectors.get(node.pk)
            nodes.append(
                {
                    "id": str(node.pk),
                    "label": node.name,
                    "url": node.url,
                    "focus": f"{focus_base_url}?{urlencode({'acteur': node.slug})}",
                    "degree": self.degree(node.pk),
                    "typology": TYPOLOGY_COLOURS.get(node.typology, NO_CATEGORY),
                    "sector": sector_colours.get(sector.pk, NO_CATEGORY) if sector else NO_CATEGORY,
                    "focused": node == self.focus,
                }
            )
        return {
            "colour_by": colour_by,
            "nodes": nodes,
            "edges": [
                {
                    "id": f"e{link.pk}",
                    "source": str(link.source.pk),
                    "target": str(link.target.pk),
                    "colour": KIND_COLOURS[link.kind],
                    "formal": link.is_formal,
                }
                for link in edges
            ],
            "total_nodes": self.linked_count,
            "total_edges": len(self.links),
        }

    @property
    def drawn_is_partial(self) -> bool:
        return self.linked_count > GRAPH_NODE_LIMIT


def sector_palette(sectors) -> dict[int, str]:
    """A colour per main sector, in the sectors' order (as many as the palette has, then grey)."""
    ordered = sorted({sector.pk: sector for sector in sectors if sector}.values(), key=lambda s: (s.position, s.name))
    return {sector.pk: PALETTE[index] if index < len(PALETTE) else NO_CATEGORY for index, sector in enumerate(ordered)}


def sector_legend(main_sectors: list[Sector]) -> list[dict]:
    colours = sector_palette(main_sectors)
    return [{"label": sector.name, "colour": colours[sector.pk]} for sector in main_sectors] + [
        {"label": _("sans secteur"), "colour": NO_CATEGORY}
    ]


# The links' colours, for legends that count nothing (the actor pages).
KIND_LEGEND = [
    {"kind": value, "label": label, "colour": KIND_COLOURS[value]} for value, label in Cooperation.Kind.choices
]


def typology_legend() -> list[dict]:
    return [{"label": label, "colour": TYPOLOGY_COLOURS[value]} for value, label in Typology.choices]


def main_sector_of(actor_ids, main_sectors: list[Sector]) -> dict[int, Sector | None]:
    """The main sector each actor is filed under (the first in the sectors' order), in one query."""
    by_pk = {sector.pk: sector for sector in main_sectors}
    chosen: dict[int, Sector] = {}
    rows = Actor.sectors.through.objects.filter(actor_id__in=sorted(actor_ids)).values_list(
        "actor_id", "sector_id", "sector__parent_id"
    )
    for actor_id, sector_id, parent_id in rows:
        main = by_pk.get(parent_id or sector_id)
        current = chosen.get(actor_id)
        if main is not None and (current is None or (main.position, main.name) < (current.position, current.name)):
            chosen[actor_id] = main
    return chosen


_NODE_FIELDS = ("pk", "slug", "name", "typology", "commune_id", "commune__name")


def _node(row) -> Node:
    pk, slug, name, typology, commune_id, commune_name = row
    return Node(pk, slug, name, typology, commune_id, commune_name or "", (collation_key(name), pk))


def build_network(
    links: QuerySet,
    *,
    scope: QuerySet | None = None,
    scope_covers_links: bool = False,
    focus: Actor | None = None,
) -> Network:
    """The network of `links` (published links, filtered), and the actors of `scope` without any link.

    `scope_covers_links` says that every end of the links is in the scope (no criterion on actors):
    the scope is then read alone. With `focus`, only that actor and its neighbours to `FOCUS_DEPTH`
    steps, and the links between them. Two queries: the links, then the actors they touch (and
    those of the scope).
    """
    rows = list(links.order_by().values_list("pk", "source_id", "target_id", "kind", "is_formal", "since"))
    condition = Q(pk__in=links.order_by().values("source_id")) | Q(pk__in=links.order_by().values("target_id"))
    if focus is not None:
        condition |= Q(pk=focus.pk)
    elif scope is not None:
        condition |= Q(pk__in=scope.order_by().values("pk"))
    nodes = {
        row[0]: _node(row) for row in Actor.objects.published().filter(condition).order_by().values_list(*_NODE_FIELDS)
    }
    distances: dict[int, int] = {}
    if focus is not None:
        adjacency = defaultdict(set)
        for _pk, source, target, *_rest in rows:
            adjacency[source].add(target)
            adjacency[target].add(source)
        distances = {focus.pk: 0}
        frontier = [focus.pk]
        for depth in range(1, FOCUS_DEPTH + 1):
            frontier = [other for pk in frontier for other in adjacency[pk] if other not in distances]
            for pk in frontier:
                distances.setdefault(pk, depth)
        nodes = {pk: node for pk, node in nodes.items() if pk in distances}
    # Sorted on integers (each actor's rank by name) rather than on names: a third of the time at 60,000 links.
    rank = {node.pk: index for index, node in enumerate(sorted(nodes.values(), key=_sort_key))}
    rows = [row for row in rows if row[1] in rank and row[2] in rank]
    rows.sort(key=lambda row: (rank[row[1]], rank[row[2]], row[3], row[0]))
    kept = [
        Link(pk, nodes[source], nodes[target], kind, is_formal, since)
        for pk, source, target, kind, is_formal, since in rows
    ]
    return Network(nodes=nodes, links=kept, focus=nodes.get(focus.pk) if focus else None, distances=distances)


def ego_graph(actor: Actor, cooperations: list[tuple[Cooperation, Actor]]) -> dict:
    """The small graph of an actor page: the actor, its published partners and their links, by typology."""
    nodes = {
        actor.pk: {
            "id": str(actor.pk),
            "label": actor.name,
            "url": actor.get_absolute_url(),
            "degree": len(cooperations),
            "typology": TYPOLOGY_COLOURS.get(actor.typology, NO_CATEGORY),
            "focused": True,
        }
    }
    edges = []
    for cooperation, partner in cooperations:
        nodes.setdefault(
            partner.pk,
            {
                "id": str(partner.pk),
                "label": partner.name,
                "url": partner.get_absolute_url(),
                "degree": 1,
                "typology": TYPOLOGY_COLOURS.get(partner.typology, NO_CATEGORY),
                "focused": False,
            },
        )
        edges.append(
            {
                "id": f"e{cooperation.pk}",
                "source": str(cooperation.source_id),
                "target": str(cooperation.target_id),
                "colour": KIND_COLOURS[cooperation.kind],
                "formal": cooperation.is_formal,
            }
        )
    return {"colour_by": "typology", "nodes": list(nodes.values()), "edges": edges}


class NetworkOptionsForm(forms.Form):
    """How the page shows the network (not which links: that is `CooperationFilterSet`)."""

    COLOUR_CHOICES = [("secteur", _lazy("Secteur")), ("typologie", _lazy("Typologie"))]
    VIEW_CHOICES = [("graphe", _lazy("Graphe et tableau des liens")), ("liste", _lazy("Liste des acteurs"))]

    acteur = forms.ModelChoiceField(
        queryset=Actor.objects.published(),
        to_field_name="slug",
        required=False,
        label=_lazy("Acteur au centre"),
        # The same answer for an unknown identifier and for an unpublished record.
        error_messages={"invalid_choice": _lazy("Aucun acteur publié ne porte cet identifiant.")},
    )
    couleur = forms.ChoiceField(
        choices=COLOUR_CHOICES, required=False, widget=forms.RadioSelect, label=_lazy("Couleur des acteurs")
    )
    vue = forms.ChoiceField(choices=VIEW_CHOICES, required=False, label=_lazy("Présentation"))

    def clean_couleur(self):
        return self.cleaned_data["couleur"] or "secteur"

    def clean_vue(self):
        return self.cleaned_data["vue"] or "graphe"
