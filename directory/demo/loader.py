"""Loads the demo directory planned by `directory.demo.planning`, creating only what is missing."""

import random

from django.db import transaction

from directory.demo.planning import plan_actors, plan_cooperations, plan_offers
from directory.demo.vocabulary import REASON, SOURCE_ID
from directory.history import Origin, provenance
from directory.models import (
    Actor,
    Commune,
    Contact,
    Cooperation,
    Label,
    Neighbourhood,
    Role,
    Sector,
    Stage,
    SupportOffer,
)
from directory.reference import create_with_history


@provenance(Origin.COMMAND, detail="load_demo")
@transaction.atomic
def load_directory_demo(*, seed: int = 2019) -> dict[str, int]:
    """Create the fictional demo directory (actors, contacts, offers, cooperations) where missing.

    Needs the reference vocabularies of migration 0002. Returns what was created: {label: number}.
    """
    rng = random.Random(seed)
    neighbourhoods: dict[str, list[str]] = {}
    for slug, insee in Neighbourhood.objects.values_list("slug", "communes__insee_code").order_by("slug"):
        if insee:
            neighbourhoods.setdefault(insee, []).append(slug)
    plans = plan_actors(rng, neighbourhoods)
    cooperations = plan_cooperations(rng, plans)
    offers = plan_offers(rng, plans)

    communes = {c.insee_code: c for c in Commune.objects.all()}
    hoods = {h.slug: h for h in Neighbourhood.objects.all()}
    sector_ids = dict(Sector.objects.values_list("slug", "pk"))
    label_ids = dict(Label.objects.values_list("slug", "pk"))
    role_ids = dict(Role.objects.values_list("slug", "pk"))
    stage_ids = dict(Stage.objects.values_list("slug", "pk"))

    # Actors, with their many-to-many links and contacts.
    existing = dict(
        Actor.objects.filter(source=Actor.Source.DEMO, source_id__startswith="demo:actor:").values_list(
            "source_id", "pk"
        )
    )
    missing = [plan for plan in plans if SOURCE_ID.format(plan.n) not in existing]
    actors = []
    for plan in missing:
        actor = Actor(
            name=plan.name,
            source=Actor.Source.DEMO,
            source_id=SOURCE_ID.format(plan.n),
            is_fictional=True,
            commune=communes[plan.commune] if plan.commune else None,
            postal_code=communes[plan.commune].postal_codes[0] if plan.commune else "",
            neighbourhood=hoods[plan.neighbourhood] if plan.neighbourhood else None,
            **plan.fields,
        )
        # Field and row rules run here; constraints are left to the database, which enforces them all
        # (checking them in Python costs one query each and doubles the loading time).
        actor.full_clean(validate_constraints=False)
        actors.append(actor)
    create_with_history(
        actors,
        m2m={
            "roles": [[role_ids[p.role]] for p in missing],
            "sectors": [[sector_ids[s] for s in p.sectors] for p in missing],
            "labels": [[label_ids[s] for s in p.labels] for p in missing],
            "communes_served": [[communes[c].pk for c in p.communes_served] for p in missing],
        },
        reason=REASON,
    )
    contacts = []
    for plan, actor in zip(missing, actors, strict=True):
        for values in plan.contacts:
            contact = Contact(actor=actor, **values)
            contact.full_clean(validate_constraints=False)
            contacts.append(contact)
    create_with_history(contacts, reason=REASON)
    ids = existing | {actor.source_id: actor.pk for actor in actors}

    def actor_id(n: int) -> int:
        return ids[SOURCE_ID.format(n)]

    # Support offers.
    existing_offers = set(
        SupportOffer.objects.filter(slug__in=[o["slug"] for o in offers]).values_list("slug", flat=True)
    )
    new_offers, offer_plans = [], []
    for values in offers:
        if values["slug"] in existing_offers:
            continue
        offer = SupportOffer(
            provider_id=actor_id(values["provider"]),
            is_fictional=True,
            **{k: v for k, v in values.items() if k not in ("provider", "stages", "communes", "sectors")},
        )
        offer.full_clean(exclude=["provider"], validate_constraints=False)
        new_offers.append(offer)
        offer_plans.append(values)
    create_with_history(
        new_offers,
        m2m={
            "stages": [[stage_ids[s] for s in v["stages"]] for v in offer_plans],
            "communes": [[communes[c].pk for c in v["communes"]] for v in offer_plans],
            "sectors": [[sector_ids[s] for s in v["sectors"]] for v in offer_plans],
        },
        reason=REASON,
    )

    # Cooperations.
    demo_ids = set(ids.values())
    existing_links = set(
        Cooperation.objects.filter(source_id__in=demo_ids, target_id__in=demo_ids).values_list(
            "source_id", "target_id", "kind"
        )
    )
    new_links = []
    for source, target, kind, is_formal, since, description in cooperations:
        key = (actor_id(source), actor_id(target), kind)
        if key in existing_links:
            continue
        link = Cooperation(
            source_id=key[0], target_id=key[1], kind=kind, is_formal=is_formal, since=since, description=description
        )
        link.full_clean(exclude=["source", "target"], validate_constraints=False)
        new_links.append(link)
    create_with_history(new_links, reason=REASON)
    return {
        "acteurs fictifs": len(actors),
        "contacts fictifs": len(contacts),
        "offres fictives": len(new_offers),
        "coopérations fictives": len(new_links),
    }
