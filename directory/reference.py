"""Real organisations named in the reference file, seeded with the facts it gives and nothing more.

Source: `shared/reference/est-ensemble.md` (press report of 11 March 2019 on Est Ensemble's ESS
strategy, and the territory's identifiers). No SIRET, address, phone or e-mail is invented: what the
source does not say stays empty (legal form « autre », ESS status « non renseigné ») for staff to
complete. The organisations other than Est Ensemble are partners working across the territory
(`Presence.PARTNER`): they are published with their source and its date, and marked « fiche à
compléter » so that the public sees they say only what the source says, with an invitation to
claim or correct them.

`load_reference_organisations()` is idempotent and safe in production: records are matched on
`source="reference"` and `source_id`, created when missing and otherwise left alone, so a later run
never overwrites what staff have edited since.
"""

from collections.abc import Iterable, Sequence
from datetime import date

from django.db import models, transaction
from simple_history.models import HistoricalRecords

from directory.history import Origin, provenance, provenance_attrs
from directory.models import Actor, Commune, Presence, PublicationStatus, Role, SupportOffer, Typology

REASON = "Données de référence (stratégie ESS d'Est Ensemble, 2019)"
SOURCE_REFERENCE = "Compte rendu de presse du 11 mars 2019 sur la stratégie ESS d'Est Ensemble"
SOURCE_DATE = date(2019, 3, 11)
EST_ENSEMBLE = "est-ensemble"
CITED = "Organisation citée dans la stratégie ESS d'Est Ensemble de 2019 (compte rendu de presse du 11 mars 2019)."

# One entry per organisation named in the reference file. Keys are Actor fields, plus
# `commune` (INSEE code) and `roles` (role slugs); absent keys keep the model's defaults.
ORGANISATIONS: list[dict] = [
    {
        "source_id": EST_ENSEMBLE,
        "name": "Est Ensemble",
        "presence": Presence.LOCATED,
        "siren": "200057875",
        "legal_form": Actor.LegalForm.PUBLIC_BODY,
        "ess_status": Actor.EssStatus.PARTNER,
        "commune": "93063",
        "serves_whole_territory": True,
        "roles": ["acteur-public"],
        "short_description": (
            "Établissement public territorial de la Métropole du Grand Paris regroupant neuf communes "
            "de la Seine-Saint-Denis, dont le siège est à Romainville."
        ),
        "description": (
            "Établissement public territorial (EPT) de la Métropole du Grand Paris, en Seine-Saint-Denis, "
            "qui regroupe Bagnolet, Bobigny, Bondy, Les Lilas, Montreuil, Noisy-le-Sec, Pantin, "
            "Le Pré-Saint-Gervais et Romainville (environ 449 500 habitants). Siège à Romainville.\n\n"
            "Sa stratégie en faveur de l'économie sociale et solidaire (2019) cite les Trophées de l'ESS "
            "et Est'ploration comme ses dispositifs phares, connus des acteurs."
        ),
    },
    {
        "source_id": "cd93",
        "name": "Conseil départemental de la Seine-Saint-Denis",
        "legal_form": Actor.LegalForm.PUBLIC_BODY,
        "ess_status": Actor.EssStatus.PARTNER,
        # The nine communes lie in Seine-Saint-Denis: the department covers the whole territory.
        "serves_whole_territory": True,
        "roles": ["acteur-public"],
        "short_description": "Département de la Seine-Saint-Denis, dont font partie les neuf communes d'Est Ensemble.",
        "description": CITED,
    },
    {
        "source_id": "inser-eco-93",
        "name": "Inser'Eco 93",
        "short_description": CITED,
    },
    {
        "source_id": "fol-93",
        "name": "Fédération des œuvres laïques de Seine-Saint-Denis (FOL 93)",
        "short_description": CITED,
    },
    {
        "source_id": "france-active",
        "name": "France Active",
        "short_description": CITED,
    },
    {
        "source_id": "garance",
        "name": "Garance",
        "short_description": CITED,
    },
    {
        "source_id": "les-canaux",
        "name": "Les Canaux",
        "short_description": CITED,
        "description": (
            CITED + " Anime la plateforme Impact 2024 avec Paris 2024 et la Solideo, "
            "qui vise à faire des Jeux olympiques et paralympiques de Paris 2024 les premiers Jeux inclusifs."
        ),
    },
    {
        "source_id": "french-impact",
        "name": "French Impact",
        "short_description": CITED,
    },
    {
        "source_id": "paris-2024",
        "name": "Paris 2024",
        "short_description": CITED,
        "description": CITED + " Partenaire de la plateforme Impact 2024 animée par Les Canaux.",
    },
    {
        "source_id": "solideo",
        "name": "Solideo",
        "short_description": CITED,
        "description": CITED + " Partenaire de la plateforme Impact 2024 animée par Les Canaux.",
    },
]

# The authority's own schemes: the source says only that they are flagship schemes known to
# actors. Kinds are the broadest fitting ones; stages, amounts and conditions are left to staff.
EST_ENSEMBLE_OFFERS: list[dict] = [
    {
        "slug": "trophees-de-l-ess",
        "title": "Trophées de l'ESS",
        "kind": SupportOffer.Kind.NETWORKING,
        "description": (
            "Prix de l'économie sociale et solidaire d'Est Ensemble, cité dans la stratégie ESS de 2019 "
            "comme l'un des dispositifs phares connus des acteurs. Le calendrier, les récompenses et les "
            "étapes visées restent à préciser."
        ),
    },
    {
        "slug": "est-ploration",
        "title": "Est'ploration",
        "kind": SupportOffer.Kind.COACHING,
        "description": (
            "Dispositif d'Est Ensemble cité dans la stratégie ESS de 2019 comme l'un des dispositifs phares "
            "connus des acteurs. La nature exacte de l'appui, les étapes visées et les conditions d'accès "
            "restent à préciser."
        ),
    },
]


def create_with_history(
    objs: Sequence[models.Model],
    *,
    m2m: dict[str, Sequence[Iterable[int]]] | None = None,
    reason: str,
) -> None:
    """Save new objects with their many-to-many links, leaving one creation record each in their history.

    Each object is saved normally, so that `save()` normalises it (slug, identifiers, search text).
    The links in `m2m` (field name → one list of related ids per object) are inserted in bulk, and
    the creation records are then written in bulk with the links they track, rather than one
    record per `save()` and one more per `.set()` call.
    """
    if not objs:
        return
    model = type(objs[0])
    history = getattr(model, "history", None)
    for obj in objs:
        if history is not None:
            obj.skip_history_when_saving = True
        obj.save()
        if history is not None:
            del obj.skip_history_when_saving
    links: dict[str, list[models.Model]] = {}
    for field_name, related_ids in (m2m or {}).items():
        field = model._meta.get_field(field_name)
        through = field.remote_field.through
        source_attr = field.m2m_field_name() + "_id"
        target_attr = field.m2m_reverse_field_name() + "_id"
        rows = [
            through(**{source_attr: obj.pk, target_attr: pk})
            for obj, ids in zip(objs, related_ids, strict=True)
            for pk in dict.fromkeys(ids)
        ]
        links[field_name] = through.objects.bulk_create(rows)
    if history is None:
        return
    records = {
        record.id: record
        for record in history.bulk_history_create(
            objs, default_change_reason=reason, custom_historical_attrs=provenance_attrs(history.model)
        )
    }
    for field in getattr(history.model, "_history_m2m_fields", []):
        m2m_history_model = HistoricalRecords.m2m_models[field]
        through = field.remote_field.through
        names = [f.attname for f in through._meta.fields]
        source_attr = field.m2m_field_name() + "_id"
        m2m_history_model.objects.bulk_create(
            m2m_history_model(
                history=records[getattr(row, source_attr)], **{name: getattr(row, name) for name in names}
            )
            for row in links.get(field.name, [])
        )


@provenance(Origin.IMPORT, detail="reference/est-ensemble.md")
@transaction.atomic
def load_reference_organisations() -> dict[str, int]:
    """Create the real organisations of the reference file, and Est Ensemble's schemes, when missing.

    Returns what was created: {label: number}.
    """
    existing = set(
        Actor.objects.filter(
            source=Actor.Source.REFERENCE, source_id__in=[o["source_id"] for o in ORGANISATIONS]
        ).values_list("source_id", flat=True)
    )
    communes = {c.insee_code: c for c in Commune.objects.all()}
    roles = dict(Role.objects.values_list("slug", "pk"))
    new, new_roles = [], []
    for entry in ORGANISATIONS:
        if entry["source_id"] in existing:
            continue
        fields = {
            "ess_status": Actor.EssStatus.UNKNOWN,
            "legal_form": Actor.LegalForm.OTHER,
            "typology": Typology.UNDETERMINED,
            "presence": Presence.PARTNER,
            "source_reference": SOURCE_REFERENCE,
            "source_date": SOURCE_DATE,
            "to_complete": True,
            **{k: v for k, v in entry.items() if k not in ("commune", "roles")},
        }
        actor = Actor(
            **fields,
            source=Actor.Source.REFERENCE,
            commune=communes[entry["commune"]] if entry.get("commune") else None,
        )
        actor.status = PublicationStatus.PENDING if actor.publication_problems() else PublicationStatus.PUBLISHED
        actor.full_clean()
        new.append(actor)
        new_roles.append([roles[slug] for slug in entry.get("roles", [])])
    create_with_history(new, m2m={"roles": new_roles}, reason=REASON)

    provider = Actor.objects.get(source=Actor.Source.REFERENCE, source_id=EST_ENSEMBLE)
    # Matched on the slug, which a rename does not change.
    existing_offers = set(
        SupportOffer.objects.filter(slug__in=[o["slug"] for o in EST_ENSEMBLE_OFFERS]).values_list("slug", flat=True)
    )
    offers = []
    for entry in EST_ENSEMBLE_OFFERS:
        if entry["slug"] in existing_offers:
            continue
        offer = SupportOffer(
            **entry,
            provider=provider,
            whole_territory=True,
            status=PublicationStatus.PUBLISHED,
        )
        offer.full_clean()
        offers.append(offer)
    create_with_history(offers, reason=REASON)
    return {"organisations réelles": len(new), "dispositifs d'Est Ensemble": len(offers)}
