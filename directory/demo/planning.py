"""Deterministic plans of the demo directory: which actors, offers and cooperations, drawn from a seed."""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from directory.demo.vocabulary import (
    COMMUNES,
    COOPERATION_TEXT,
    ESS_STRUCTURES,
    FICTIONAL,
    FIRST_NAMES,
    JOB_TITLES,
    KIND_TEXT,
    LAST_NAMES,
    OFFER_PLAN,
    OPENING_HOURS,
    PROFILES,
    QUALIFIERS,
    ROLE_PROFILES,
    STREETS,
    K,
    L,
)
from directory.models import (
    Actor,
    Cooperation,
    PublicationStatus,
    Typology,
    base_slug,
)


@dataclass
class PlannedActor:
    n: int
    name: str
    role: str
    fields: dict
    sectors: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    commune: str | None = None
    neighbourhood: str | None = None
    communes_served: list[str] = field(default_factory=list)
    contacts: list[dict] = field(default_factory=list)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _phone(number: int) -> str:
    # ARCEP reserves 01 99 00 00 00 to 01 99 00 99 99 for works of fiction.
    return f"01 99 00 {number // 100 % 100:02d} {number % 100:02d}"


def plan_actors(rng: random.Random, neighbourhoods: dict[str, list[str]]) -> list[PlannedActor]:
    """Decide every demo actor from the seed alone (no database state), so the set is reproducible."""
    communes = sorted(COMMUNES)
    commune_weights = {code: COMMUNES[code][3] for code in communes}
    names: set[str] = set()

    def new_name(stems) -> str:
        while True:
            name = f"{rng.choice(stems)} {rng.choice(QUALIFIERS)}{FICTIONAL}"
            if name not in names:
                names.add(name)
                return name

    plans: list[PlannedActor] = []

    def locate(plan: PlannedActor, *, whole_territory: bool, without_premises: bool = False) -> None:
        f = plan.fields
        f["serves_whole_territory"] = whole_territory
        if without_premises:
            return
        code = _weighted(rng, commune_weights)
        lat, lon, spread, _weight = COMMUNES[code]
        plan.commune = code
        f["address"] = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
        f["latitude"] = Decimal(f"{lat + rng.uniform(-spread, spread):.6f}")
        f["longitude"] = Decimal(f"{lon + rng.uniform(-spread, spread):.6f}")
        if neighbourhoods.get(code) and rng.random() < 0.25:
            plan.neighbourhood = rng.choice(neighbourhoods[code])
        if not whole_territory:
            served = {code}
            if rng.random() < 0.3:
                served.update(rng.sample(communes, rng.randint(1, 2)))
            plan.communes_served = sorted(served)

    def describe(plan: PlannedActor, summary: str, offer: str) -> None:
        f = plan.fields
        f["short_description"] = f"{summary} Structure fictive de démonstration."
        f["description"] = (
            f"{plan.name} n'existe pas : c'est une fiche fictive qui illustre le portail de l'ESS d'Est Ensemble. "
            f"{summary}\n\nToute ressemblance avec une structure existante serait fortuite."
        )
        f["offer"] = offer

    def contact_points(plan: PlannedActor) -> None:
        f = plan.fields
        slug = base_slug(plan.name, max_length=40)
        if rng.random() < 0.8:
            f["email"] = f"{slug}@example.org"
        if rng.random() < 0.7:
            f["phone"] = _phone(plan.n)
        if rng.random() < 0.6:
            f["website"] = f"https://example.org/{slug}/"
        if rng.random() < 0.7:
            f["opening_hours"] = rng.choice(OPENING_HOURS)
        if rng.random() < 0.6:
            f["last_verified_at"] = date(2025, 1, 1) + timedelta(days=rng.randint(0, 540))
        for k in range(rng.choice([0, 1, 1, 2])):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            public = rng.random() < 0.4
            plan.contacts.append(
                {
                    "first_name": first,
                    "last_name": last,
                    "job_title": rng.choice(JOB_TITLES),
                    "email": f"{_ascii(first)}.{_ascii(last)}.{plan.n}-{k}@example.org",
                    "phone": _phone(5000 + plan.n * 2 + k) if rng.random() < 0.5 else "",
                    "is_public": public,
                    "consent_date": date(2024, 1, 1) + timedelta(days=rng.randint(0, 600)) if public else None,
                }
            )

    def status(plan: PlannedActor, weights: dict) -> None:
        plan.fields["status"] = _weighted(rng, weights)

    # ESS structures, the bulk of the directory.
    for _ in range(ESS_STRUCTURES):
        n = len(plans) + 1
        profile = rng.choice(PROFILES)
        typology = _weighted(rng, {Typology.ENTREPRENEURIAL: 45, Typology.MILITANT: 45, Typology.UNDETERMINED: 10})
        if typology == Typology.ENTREPRENEURIAL:
            forms = {L.ASSOCIATION: 30, L.SCOP: 15, L.SCIC: 12, L.CAE: 3, L.COOPERATIVE: 6, L.MUTUAL: 3}
            forms |= {L.FOUNDATION: 3, L.ESS_COMPANY: 18}
        elif typology == Typology.MILITANT:
            forms = {L.ASSOCIATION: 85, L.SCIC: 3, L.COOPERATIVE: 4, L.FOUNDATION: 2, L.SCOP: 3, L.ESS_COMPANY: 3}
        else:
            forms = {L.ASSOCIATION: 60, L.SCOP: 10, L.SCIC: 10, L.COOPERATIVE: 10, L.ESS_COMPANY: 10}
        legal_form = _weighted(rng, forms)
        if legal_form == L.ESS_COMPANY:
            ess_status = Actor.EssStatus.ESUS if rng.random() < 0.6 else Actor.EssStatus.STATUTORY
        else:
            ess_status = Actor.EssStatus.ESUS if rng.random() < 0.12 else Actor.EssStatus.STATUTORY
        plan = PlannedActor(
            n=n,
            name=new_name(profile.stems),
            role="structure-ess",
            fields={"legal_form": legal_form, "ess_status": ess_status, "typology": typology},
        )
        plan.sectors = [profile.sector]
        if rng.random() < 0.3:
            other = rng.choice(PROFILES).sector
            if other != profile.sector:
                plan.sectors.append(other)
        if ess_status == Actor.EssStatus.ESUS:
            plan.labels.append("esus")
        if profile.labels and (profile.sector == "insertion" or rng.random() < 0.3):
            plan.labels.append(rng.choice(profile.labels))
        if rng.random() < 0.06:
            plan.labels.append("tiers-lieu")
        if rng.random() < 0.05:
            plan.labels.append("laureat-trophees-ess")
        f = plan.fields
        if rng.random() < 0.9:
            if typology == Typology.ENTREPRENEURIAL:
                employees = rng.randint(3, 60)
                f["volunteers"] = rng.randint(0, 15)
            else:
                employees = rng.choice([0, 0, 1, 1, 2, 3, 4, 6])
                f["volunteers"] = rng.randint(5, 80)
            f["employees"] = employees
            f["fte"] = Decimal(f"{employees * rng.uniform(0.5, 0.95):.1f}")
            f["founded_year"] = rng.randint(1975, 2024)
        locate(plan, whole_territory=rng.random() < 0.08)
        describe(plan, profile.summary, profile.offer)
        contact_points(plan)
        status(
            plan,
            {
                PublicationStatus.PUBLISHED: 85,
                PublicationStatus.PENDING: 6,
                PublicationStatus.DRAFT: 5,
                PublicationStatus.ARCHIVED: 4,
            },
        )
        if f["status"] == PublicationStatus.DRAFT and rng.random() < 0.5:
            # An unfinished draft: the admin shows what is missing before it may be published.
            f["short_description"] = f["description"] = ""
        plans.append(plan)

    # Support providers, funders, networks and the ESS's partners.
    for profile in ROLE_PROFILES:
        for i in range(profile.count):
            n = len(plans) + 1
            plan = PlannedActor(
                n=n,
                name=new_name(profile.stems),
                role=profile.role,
                fields={
                    "legal_form": profile.legal_forms[i % len(profile.legal_forms)],
                    "ess_status": profile.ess_status,
                    "typology": Typology.UNDETERMINED,
                    "status": PublicationStatus.PUBLISHED,
                },
            )
            if plan.fields["legal_form"] == L.CAE:
                plan.name = plan.name.replace("Coopérative d'activité et d'emploi", "CAE")
            low, high = profile.size
            plan.fields["employees"] = rng.randint(low, high)
            plan.fields["fte"] = Decimal(f"{plan.fields['employees'] * rng.uniform(0.7, 0.95):.1f}")
            plan.fields["founded_year"] = rng.randint(1950, 2020)
            if profile.role in ("reseau", "accompagnateur"):
                plan.fields["volunteers"] = rng.randint(0, 20)
            partner = profile.role in ("bailleur-social", "promoteur", "entreprise-classique")
            if partner:
                plan.sectors = [] if rng.random() < 0.5 else [rng.choice(PROFILES).sector]
            elif profile.role == "financeur":
                plan.sectors = ["finance-solidaire"]
            # A few networks and funders have no premises of their own: no commune, the whole territory.
            without_premises = profile.role in ("reseau", "financeur") and i < 2
            locate(
                plan,
                whole_territory=profile.role in ("accompagnateur", "financeur", "reseau", "bailleur-social"),
                without_premises=without_premises,
            )
            describe(plan, profile.summary, profile.offer)
            contact_points(plan)
            plans.append(plan)
    return plans


def plan_cooperations(rng: random.Random, plans: list[PlannedActor]) -> list[tuple[int, int, str, bool, date, str]]:
    by_role: dict[str, list[PlannedActor]] = {}
    for plan in plans:
        by_role.setdefault(plan.role, []).append(plan)
    ess = by_role["structure-ess"]
    K2 = Cooperation.Kind
    quotas = [
        # (kind, how many, source pool, target pool, share formalised)
        (K2.MEMBERSHIP, 40, ess, by_role["reseau"], 0.8),
        (K2.SUPPLY, 25, ess, by_role["entreprise-classique"], 0.6),
        (K2.SUPPLY, 10, ess, ess, 0.5),
        (K2.PARTNERSHIP, 25, ess, ess, 0.4),
        (K2.PARTNERSHIP, 10, ess, by_role["acteur-public"] + by_role["bailleur-social"], 0.7),
        (K2.SHARED_PROJECT, 15, ess, ess, 0.5),
        (K2.SHARED_PROJECT, 10, ess, by_role["promoteur"] + by_role["bailleur-social"], 0.6),
        (K2.POOLING, 15, ess, ess, 0.25),
    ]
    seen: set[tuple[int, int, str]] = set()
    planned = []
    for kind, count, sources, targets, formal_share in quotas:
        made = 0
        while made < count:
            source, target = rng.choice(sources), rng.choice(targets)
            if kind == K2.POOLING:
                # Pooling premises or staff happens between neighbours.
                target = rng.choice([p for p in ess if p.commune == source.commune] or ess)
            key = (source.n, target.n, kind)
            if source.n == target.n or key in seen or (target.n, source.n, kind) in seen:
                continue
            seen.add(key)
            since = date(rng.randint(2008, 2025), rng.randint(1, 12), 1)
            planned.append((source.n, target.n, kind, rng.random() < formal_share, since, COOPERATION_TEXT[kind]))
            made += 1
    return planned


def plan_offers(rng: random.Random, plans: list[PlannedActor]) -> list[dict]:
    pools: dict[str, list[PlannedActor]] = {}
    for plan in plans:
        pools.setdefault(plan.role, []).append(plan)
    cursors = dict.fromkeys(pools, 0)
    for role in pools:
        rng.shuffle(pools[role])
    offers = []
    for kind, stages, role, stem, target, cost, count in OFFER_PLAN:
        for _ in range(count):
            # Round-robin over the providers of a role: the same stem never goes twice to one provider.
            provider = pools[role][cursors[role] % len(pools[role])]
            cursors[role] += 1
            title = f"{stem} — {provider.name.removesuffix(FICTIONAL)}{FICTIONAL}"
            local = kind == K.PREMISES or role == "acteur-public" or rng.random() < 0.1
            communes = [provider.commune] if provider.commune else sorted(rng.sample(sorted(COMMUNES), 2))
            offers.append(
                {
                    "provider": provider.n,
                    "title": title,
                    "slug": base_slug(title, max_length=220),
                    "kind": kind,
                    "stages": list(stages),
                    "target_typology": target,
                    "cost": cost,
                    "whole_territory": not local,
                    "communes": communes if local else [],
                    "sectors": [rng.choice(PROFILES).sector] if kind == K.GRANT and rng.random() < 0.3 else [],
                    "description": f"{KIND_TEXT[kind]} Offre fictive de démonstration.",
                    "eligibility": "Structures de l'ESS implantées sur le territoire (conditions fictives).",
                    "url": f"https://example.org/offres/{base_slug(title, max_length=80)}/",
                    "status": _weighted(
                        rng,
                        {PublicationStatus.PUBLISHED: 90, PublicationStatus.DRAFT: 5, PublicationStatus.PENDING: 5},
                    ),
                }
            )
    return offers


# Fictional records made by `manage.py load_demo`: their history says so.
