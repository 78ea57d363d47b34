"""The fictional demo set of the strategy tracker, loaded by `make run` only (never by migrations).

Every record is marked `is_fictional=True`, `source="demo"`, and its name says « (fictif) ».
Initiatives span every axis and every lifecycle status; those past the energy gate got there
through `services.change_status` with an approved review, like real ones. Actors come from
the directory's demo set (`source="demo"`).

Idempotent: records are matched on their slug, and an initiative's children are only created
with it, so running it twice changes nothing.
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from directory.models import Actor, Commune, PublicationStatus
from projects import services
from projects.models import (
    Consultation,
    ConsultationParticipant,
    EnergyAssessment,
    EnergyCriterion,
    EnergyReview,
    Event,
    FundingLine,
    Indicator,
    Initiative,
    Involvement,
    JournalEntry,
    Milestone,
    Objective,
    Site,
    Source,
    StrategyAxis,
)

S = Initiative.Status
K = Initiative.Kind

# Approximate centres of the nine communes (lat, lon), to place fictional sites on the map.
COMMUNE_CENTRES = {
    "93006": (48.8690, 2.4180),
    "93008": (48.9080, 2.4390),
    "93010": (48.9020, 2.4830),
    "93045": (48.8800, 2.4190),
    "93048": (48.8610, 2.4430),
    "93053": (48.8910, 2.4600),
    "93055": (48.8940, 2.4090),
    "93061": (48.8850, 2.4040),
    "93063": (48.8840, 2.4350),
}

# Fictional initiatives per axis number: (kind, title pattern).
IDEAS = {
    1: [
        (K.OTHER, "Ressourcerie de quartier"),
        (K.OTHER, "Cantine solidaire"),
        (K.OTHER, "Atelier vélo participatif"),
        (K.OTHER, "Épicerie solidaire itinérante"),
        (K.OTHER, "Recyclerie du bâtiment"),
        (K.OTHER, "Jardin partagé nourricier"),
        (K.OTHER, "Conciergerie solidaire"),
    ],
    2: [
        (K.SUPPORT_SCHEME, "Incubateur de projets solidaires"),
        (K.SUPPORT_SCHEME, "Guichet unique de l'accompagnement"),
        (K.SUPPORT_SCHEME, "Fonds d'amorçage coopératif"),
        (K.SUPPORT_SCHEME, "Parcours d'émergence pour associations"),
        (K.SUPPORT_SCHEME, "Prix des jeunes entrepreneurs solidaires"),
        (K.SUPPORT_SCHEME, "Permanences d'appui à la création"),
        (K.SUPPORT_SCHEME, "Programme de consolidation des petites structures"),
    ],
    3: [
        (K.COOPERATION, "Club d'entreprises responsables"),
        (K.COOPERATION, "Mutualisation logistique inter-entreprises"),
        (K.COOPERATION, "Achats croisés ESS et PME"),
        (K.COOPERATION, "Bourse aux locaux partagés"),
        (K.COOPERATION, "Parrainage entre dirigeants"),
        (K.COOPERATION, "Plateforme de mécénat de compétences"),
        (K.COOPERATION, "Réseau de réemploi inter-entreprises"),
    ],
    4: [
        (K.RESPONSIBLE_PURCHASING, "Catalogue des fournisseurs solidaires"),
        (K.RESPONSIBLE_PURCHASING, "Clauses sociales dans la commande publique"),
        (K.RESPONSIBLE_PURCHASING, "Traiteurs solidaires pour grands événements"),
        (K.RESPONSIBLE_PURCHASING, "Groupement de réponse aux marchés"),
        (K.RESPONSIBLE_PURCHASING, "Héritage sportif et solidaire"),
        (K.RESPONSIBLE_PURCHASING, "Rencontres acheteurs et structures d'insertion"),
        (K.RESPONSIBLE_PURCHASING, "Textile recyclé pour les événements"),
    ],
    5: [
        (K.TEMPORARY_OCCUPATION, "Friche culturelle éphémère"),
        (K.TEMPORARY_OCCUPATION, "Tiers-lieu transitoire"),
        (K.NPNRU, "Pied d'immeuble solidaire"),
        (K.NPNRU, "Régie de quartier renforcée"),
        (K.ACTIVE_GROUND_FLOOR, "Rez-de-chaussée artisanal"),
        (K.ACTIVE_GROUND_FLOOR, "Boutique-atelier coopérative"),
        (K.REVITALISATION, "Halle alimentaire de centre-ville"),
        (K.TEMPORARY_OCCUPATION, "Ferme urbaine provisoire"),
    ],
}
OBJECTIVE_BY_KIND = {
    K.TEMPORARY_OCCUPATION: "occupations-temporaires",
    K.NPNRU: "ess-npnru-revitalisation",
    K.REVITALISATION: "ess-npnru-revitalisation",
    K.ACTIVE_GROUND_FLOOR: "immobilier-negocie-rez-de-chaussee-actifs",
}
SITE_KINDS = {
    K.TEMPORARY_OCCUPATION: [Site.Kind.VACANT_LAND, Site.Kind.WAREHOUSE, Site.Kind.BUILDING],
    K.NPNRU: [Site.Kind.GROUND_FLOOR, Site.Kind.BUILDING],
    K.ACTIVE_GROUND_FLOOR: [Site.Kind.GROUND_FLOOR],
    K.REVITALISATION: [Site.Kind.GROUND_FLOOR, Site.Kind.BUILDING],
}
# Every status, in proportions that look like a real portfolio.
STATUS_CYCLE = [S.IN_PROGRESS, S.IDEA, S.APPROVED, S.CONSULTATION, S.IN_PROGRESS, S.COMPLETED, S.SUSPENDED, S.ABANDONED]
# How each status is reached through the lifecycle.
PATHS = {
    S.IDEA: [],
    S.CONSULTATION: [S.CONSULTATION],
    S.APPROVED: [S.CONSULTATION, S.APPROVED],
    S.IN_PROGRESS: [S.CONSULTATION, S.APPROVED, S.IN_PROGRESS],
    S.COMPLETED: [S.CONSULTATION, S.APPROVED, S.IN_PROGRESS, S.COMPLETED],
    S.SUSPENDED: [S.CONSULTATION, S.APPROVED, S.IN_PROGRESS, S.SUSPENDED],
    S.ABANDONED: [S.CONSULTATION, S.ABANDONED],
}
REASONS = {
    S.CONSULTATION: "Ouverture de la concertation avec les habitants et les acteurs (démonstration).",
    S.APPROVED: "Validation en comité de pilotage après revue énergétique (démonstration).",
    S.IN_PROGRESS: "Démarrage opérationnel (démonstration).",
    S.COMPLETED: "Objectifs atteints, bilan présenté (démonstration).",
    S.SUSPENDED: "Mise en pause en attente d'un financement (démonstration).",
    S.ABANDONED: "Projet abandonné faute de lieu adapté (démonstration).",
}
INDICATORS = [
    ("Emplois créés", "emplois", Decimal("0"), Decimal("12")),
    ("Surface occupée", "m²", Decimal("0"), Decimal("400")),
    ("Personnes touchées", "personnes", Decimal("0"), Decimal("1500")),
    ("Tonnes réemployées", "tonnes", Decimal("0"), Decimal("30")),
    ("Structures accompagnées", "structures", Decimal("0"), Decimal("25")),
]
MILESTONES = [
    "Étude d'opportunité",
    "Convention de partenariat signée",
    "Lieu trouvé",
    "Travaux d'aménagement",
    "Ouverture au public",
    "Premier bilan",
]


class Pools:
    """The directory's demo actors, by role in the ecosystem (each falls back to every demo actor)."""

    def __init__(self):
        # The demo set only (`directory.demo`), not the data at scale of `generate_fake`, fictional too.
        demo = Actor.objects.filter(source=Actor.Source.DEMO, source_id__startswith="demo:actor:")
        self.all = list(demo.order_by("pk"))
        by_role: dict[str, list[Actor]] = {}
        for actor_id, slug in Actor.roles.through.objects.filter(actor__in=demo).values_list("actor_id", "role__slug"):
            by_role.setdefault(slug, []).append(actor_id)
        index = {actor.pk: actor for actor in self.all}

        def pool(*slugs: str) -> list[Actor]:
            ids = sorted({pk for slug in slugs for pk in by_role.get(slug, [])})
            return [index[pk] for pk in ids] or self.all

        self.ess = pool("structure-ess")
        self.funders = pool("financeur")
        self.support = pool("accompagnateur")
        self.landlords = pool("bailleur-social")
        self.developers = pool("promoteur")
        self.owners = pool("bailleur-social", "promoteur", "acteur-public")
        self.public = pool("acteur-public")
        self.businesses = pool("entreprise-classique")
        # Neighbourhood associations stand for the residents in the demo's consultations.
        self.residents = [actor for actor in self.ess if actor.legal_form == Actor.LegalForm.ASSOCIATION]


def _make_sites(rng: random.Random, pools: Pools, communes: list[Commune], today) -> list[Site]:
    sites = []
    stages = list(Site.Pipeline)
    for n in range(1, 19):
        slug = f"demo-lieu-{n}"
        site = Site.objects.filter(slug=slug).first()
        if site is None:
            commune = communes[n % len(communes)]
            lat, lon = COMMUNE_CENTRES.get(commune.insee_code, (48.88, 2.44))
            stage = stages[n % len(stages)]
            kind = rng.choice([Site.Kind.VACANT_LAND, Site.Kind.GROUND_FLOOR, Site.Kind.BUILDING, Site.Kind.WAREHOUSE])
            available_from = today - datetime.timedelta(days=rng.randint(30, 700))
            site = Site(
                slug=slug,
                name=f"{Site.Kind(kind).label.capitalize()} n° {n} (fictif)",
                kind=kind,
                description="Lieu de démonstration : il n'existe pas.",
                address=f"{rng.randint(1, 120)} rue Fictive",
                postal_code=(commune.postal_codes or [""])[0],
                commune=commune,
                neighbourhood=commune.neighbourhoods.order_by("pk").first() if n % 3 == 0 else None,
                latitude=Decimal(f"{lat + rng.uniform(-0.004, 0.004):.6f}"),
                longitude=Decimal(f"{lon + rng.uniform(-0.004, 0.004):.6f}"),
                owner=rng.choice(pools.owners) if pools.owners else None,
                surface_m2=Decimal(rng.choice([45, 80, 120, 250, 600, 1200, 3500])),
                available_from=available_from,
                available_until=available_from + datetime.timedelta(days=rng.choice([365, 730, 1095])),
                negotiated_rent=(
                    Decimal(rng.choice([0, 150, 400, 900]))
                    if stage in (Site.Pipeline.AGREEMENT_SIGNED, Site.Pipeline.OCCUPIED, Site.Pipeline.ENDED)
                    else None
                ),
                pipeline_stage=stage,
                publication_status=PublicationStatus.PUBLISHED if n % 6 else PublicationStatus.DRAFT,
                source=Source.DEMO,
                is_fictional=True,
            )
            site.full_clean()
            site.save()
            if pools.ess and stage in (Site.Pipeline.OCCUPIED, Site.Pipeline.ENDED):
                site.occupants.set(rng.sample(pools.ess, k=min(2, len(pools.ess))))
        sites.append(site)
    return sites


def _review(rng: random.Random, initiative: Initiative, criteria, decided_on, *, approving: bool) -> None:
    decision = (
        rng.choice([EnergyReview.Decision.APPROVED, EnergyReview.Decision.APPROVED_WITH_CONDITIONS])
        if approving
        else rng.choice([EnergyReview.Decision.PENDING, EnergyReview.Decision.REJECTED])
    )
    review = services.decide_energy_review(
        initiative=initiative,
        decision=decision,
        reviewer=None,
        conditions=(
            "Réaliser un diagnostic énergétique du local avant ouverture (démonstration)."
            if decision == EnergyReview.Decision.APPROVED_WITH_CONDITIONS
            else ""
        ),
        evidence="Note énergétique fictive jointe au dossier de démonstration.",
        decided_on=decided_on if decision != EnergyReview.Decision.PENDING else None,
    )
    levels = list(EnergyAssessment.Level)
    for criterion in criteria:
        EnergyAssessment.objects.get_or_create(
            review=review, criterion=criterion, defaults={"level": rng.choice(levels[1:] if approving else levels)}
        )


def _children(rng: random.Random, initiative: Initiative, pools: Pools, today, previous: Initiative | None) -> None:
    start = initiative.planned_start
    status = initiative.status
    started = status in (S.IN_PROGRESS, S.COMPLETED, S.SUSPENDED)
    # Milestones spread over the planned duration; those before today are done once work has started.
    span = max((initiative.planned_end - start).days, 60)
    for i, title in enumerate(rng.sample(MILESTONES, k=rng.randint(3, 5))):
        planned_on = start + datetime.timedelta(days=int(span * (i + 1) / 5))
        done = planned_on <= today and (status == S.COMPLETED or (started and rng.random() < 0.8))
        Milestone.objects.create(
            initiative=initiative,
            title=title,
            planned_on=planned_on,
            done_on=min(planned_on, today) if done else None,
            weight=rng.choice([1, 1, 2, 3]),
        )
    # Indicators with measurements once work has started.
    for position, (name, unit, baseline, target) in enumerate(rng.sample(INDICATORS, k=2)):
        indicator = Indicator.objects.create(
            initiative=initiative, name=name, unit=unit, baseline=baseline, target=target, position=position
        )
        if started:
            for q in range(1, 5):
                measured_on = start + datetime.timedelta(days=int(span * q / 5))
                if measured_on > today:
                    break
                services.record_measurement(
                    initiative=initiative,
                    indicator=indicator,
                    measured_on=measured_on,
                    value=(target * Decimal(q) / Decimal(5) * Decimal(rng.uniform(0.6, 1.1))).quantize(Decimal("1")),
                )
    if not pools.all:
        return
    # Who does what.
    if initiative.lead_actor:
        Involvement.objects.get_or_create(
            initiative=initiative, actor=initiative.lead_actor, role=Involvement.Role.LEAD
        )
    roles = [
        (Involvement.Role.PARTNER, pools.ess),
        (Involvement.Role.SUPPORT_PROVIDER, pools.support),
        (Involvement.Role.BENEFICIARY, pools.ess),
    ]
    if initiative.kind == K.NPNRU:
        roles[0] = (Involvement.Role.SOCIAL_LANDLORD, pools.landlords)
    if initiative.kind == K.ACTIVE_GROUND_FLOOR:
        roles[0] = (Involvement.Role.PROPERTY_DEVELOPER, pools.developers)
    for role, pool in roles:
        Involvement.objects.get_or_create(initiative=initiative, actor=rng.choice(pool), role=role)
    # Money.
    if status != S.IDEA:
        funders = rng.sample(pools.funders, k=min(2, len(pools.funders)))
        line_statuses = {
            S.CONSULTATION: [FundingLine.Status.REQUESTED, FundingLine.Status.REQUESTED],
            S.APPROVED: [FundingLine.Status.SECURED, FundingLine.Status.REQUESTED],
            S.IN_PROGRESS: [FundingLine.Status.PAID, FundingLine.Status.SECURED],
            S.COMPLETED: [FundingLine.Status.PAID, FundingLine.Status.PAID],
            S.SUSPENDED: [FundingLine.Status.SECURED, FundingLine.Status.REFUSED],
            S.ABANDONED: [FundingLine.Status.REFUSED, FundingLine.Status.REQUESTED],
        }[status]
        for funder, line_status in zip(funders, line_statuses, strict=False):
            FundingLine.objects.create(
                initiative=initiative,
                funder=funder,
                amount=Decimal(rng.choice([5000, 12000, 20000, 35000, 60000])),
                kind=rng.choice(list(FundingLine.Kind)),
                status=line_status,
                year=start.year,
            )
    # Consultation ledger.
    if status != S.IDEA:
        for q in range(rng.randint(1, 3)):
            held_on = min(start + datetime.timedelta(days=20 + 40 * q), today)
            consultation = Consultation.objects.create(
                initiative=initiative,
                held_on=held_on,
                title=f"{rng.choice(['Atelier', 'Réunion publique', 'Comité de pilotage'])} n° {q + 1} (fictif)",
                format=rng.choice(list(Consultation.Format)),
                participation_level=rng.choice(list(Consultation.Level)),
                participants_count=rng.randint(8, 120),
                outcomes="Les participants ont exprimé des attentes sur les horaires et l'accessibilité (fictif).",
                decisions="Élargir les horaires d'ouverture le samedi (fictif).",
                changes="Le programme d'ouverture a été revu en conséquence (fictif).",
            )
            participants = [
                services.Participation(actor=actor) for actor in rng.sample(pools.ess, k=min(3, len(pools.ess)))
            ]
            participants.append(services.Participation(actor=rng.choice(pools.public)))
            if q == 1:
                participants.append(services.Participation(actor=rng.choice(pools.businesses)))
            if q == 0 and pools.residents:
                participants.append(
                    services.Participation(
                        actor=rng.choice(pools.residents), kind=ConsultationParticipant.Kind.RESIDENTS
                    )
                )
            effects = []
            latest_change = initiative.status_changes.order_by("-changed_at", "-pk").first()
            if q == 0 and latest_change is not None:
                effects.append(
                    services.Effect(
                        status_change=latest_change, description="Décision prise après la concertation (fictif)."
                    )
                )
            milestones = list(initiative.milestones.order_by("planned_on", "pk"))
            if q < len(milestones):
                effects.append(
                    services.Effect(milestone=milestones[q], description="Jalon revu à la suite de l'atelier (fictif).")
                )
            if q == 1:
                version = Initiative.history.filter(id=initiative.pk).order_by("-history_id").first()
                effects.append(
                    services.Effect(initiative_version=version, description="Fiche du projet complétée (fictif).")
                )
            others = [previous] if q == 0 and previous is not None else []
            services.link_consultation(
                consultation=consultation,
                participants={p.actor.pk: p for p in participants}.values(),
                other_initiatives=others,
                effects=effects,
                reason="Jeu de démonstration",
            )
    # Journal.
    for q in range(rng.randint(1, 3)):
        JournalEntry.objects.create(
            initiative=initiative,
            entry_date=min(start + datetime.timedelta(days=30 * (q + 1)), today),
            title=rng.choice(["Point d'étape", "Rencontre avec les partenaires", "Visite du lieu"]) + " (fictif)",
            body="Entrée de journal de démonstration.",
            is_public=q % 2 == 0,
        )


@transaction.atomic
def load_projects_demo(*, seed: int = 2019) -> dict[str, int]:
    """Create the fictional sites and initiatives where missing; return {what: how many were created}."""
    rng = random.Random(seed)
    today = timezone.localdate()
    pools = Pools()
    communes = list(Commune.objects.in_territory().order_by("insee_code"))
    criteria = list(EnergyCriterion.objects.all())
    sites_before = Site.objects.filter(source=Source.DEMO).count()
    sites = _make_sites(rng, pools, communes, today)
    sites_created = Site.objects.filter(source=Source.DEMO).count() - sites_before
    created = 0
    n = 0
    previous = None
    for axis in StrategyAxis.objects.order_by("number"):
        for kind, pattern in IDEAS.get(axis.number, []):
            n += 1
            commune = communes[n % len(communes)]
            slug = f"demo-projet-{n}"
            if Initiative.objects.filter(slug=slug).exists():
                continue
            status = STATUS_CYCLE[n % len(STATUS_CYCLE)]
            planned_start = today - datetime.timedelta(days=rng.randint(200, 900))
            if status in (S.IDEA, S.CONSULTATION):
                planned_start = today + datetime.timedelta(days=rng.randint(30, 200))
            objective_slug = OBJECTIVE_BY_KIND.get(kind)
            initiative = Initiative(
                slug=slug,
                title=f"{pattern} — {commune.name} (fictif)",
                axis=axis,
                objective=Objective.objects.get(slug=objective_slug) if objective_slug else None,
                kind=kind,
                summary=f"Projet de démonstration : {pattern.lower()} à {commune.name}. Il n'existe pas.",
                description="Ce projet est fictif. Il sert à montrer le suivi de la stratégie ESS.",
                lead_actor=pools.ess[n % len(pools.ess)] if pools.ess else None,
                planned_start=planned_start,
                planned_end=planned_start + datetime.timedelta(days=rng.choice([365, 540, 730])),
                actual_start=planned_start if status in (S.IN_PROGRESS, S.COMPLETED, S.SUSPENDED) else None,
                target_budget=Decimal(rng.choice([20000, 50000, 80000, 150000])),
                health=(
                    rng.choice(list(Initiative.Health))
                    if status in (S.APPROVED, S.IN_PROGRESS, S.SUSPENDED)
                    else Initiative.Health.ON_TRACK
                ),
                progress_is_manual=n % 9 == 0,
                manual_progress=rng.choice([10, 40, 70]) if n % 9 == 0 else None,
                publication_status=PublicationStatus.PUBLISHED if n % 7 else PublicationStatus.DRAFT,
                source=Source.DEMO,
                is_fictional=True,
            )
            if status == S.COMPLETED:
                initiative.actual_end = min(initiative.planned_end, today)
            initiative.full_clean()
            initiative.save()
            initiative.communes.set([commune])
            if kind in (K.NPNRU, K.REVITALISATION):
                initiative.neighbourhoods.set(commune.neighbourhoods.all()[:1])
            if kind in SITE_KINDS:
                initiative.sites.set([sites[n % len(sites)]])
            path = PATHS[status]
            gated = any(step in (S.APPROVED, S.IN_PROGRESS, S.COMPLETED) for step in path)
            if gated or rng.random() < 0.5:
                _review(
                    rng, initiative, criteria, min(planned_start, today) - datetime.timedelta(days=10), approving=gated
                )
            for step in path:
                services.change_status(initiative=initiative, to_status=step, by=None, reason=REASONS[step])
            _children(rng, initiative, pools, today, previous)
            previous = initiative
            created += 1
    return {"lieux fictifs": sites_created, "projets fictifs": created}


# The agenda's fictional events: (slug, kind, title, days from the reference date, start hour, hours, mode,
# commune INSEE code, status). The Mois de l'ESS ones fall in the next November (see `_mois_de_l_ess`).
EVENTS = [
    ("demo-evenement-ouverture-mois-ess", "mois_ess", "Ouverture du Mois de l'ESS à Est Ensemble", 0, 18, 3),
    ("demo-evenement-forum-emploi-ess", "mois_ess", "Forum des métiers de l'ESS", 4, 10, 7),
    ("demo-evenement-marche-solidaire", "mois_ess", "Marché des créateurs solidaires", 10, 11, 6),
    ("demo-evenement-webinaire-financement", "mois_ess", "Webinaire : financer son projet solidaire", 13, 12, 2),
    ("demo-evenement-cloture-mois-ess", "mois_ess", "Soirée de clôture du Mois de l'ESS", 27, 19, 3),
]
OTHER_EVENTS = [
    # (slug, kind, title, days from today, start hour, hours, attendance, status)
    ("demo-evenement-atelier-reemploi", "workshop", "Atelier réparation et réemploi", 9, 14, 3, "in_person", ""),
    (
        "demo-evenement-portes-ouvertes-tiers-lieu",
        "open_day",
        "Portes ouvertes du tiers-lieu",
        16,
        10,
        8,
        "in_person",
        "",
    ),
    (
        "demo-evenement-jury-prix-jeunes",
        "jury",
        "Jury du prix des jeunes entrepreneurs solidaires",
        30,
        9,
        4,
        "mixed",
        "",
    ),
    (
        "demo-evenement-concertation-rez-de-chaussee",
        "consultation",
        "Réunion de concertation : rez-de-chaussée actifs",
        23,
        18,
        2,
        "in_person",
        "",
    ),
    (
        "demo-evenement-rencontre-cooperatives",
        "meeting",
        "Rencontre des coopératives du territoire",
        45,
        17,
        2,
        "online",
        "",
    ),
    ("demo-evenement-balade-annulee", "other", "Balade des lieux solidaires", 20, 14, 2, "in_person", "cancelled"),
    ("demo-evenement-atelier-passe", "workshop", "Atelier compostage de quartier", -21, 10, 2, "in_person", ""),
    ("demo-evenement-rencontre-passee", "meeting", "Petit-déjeuner des acteurs de l'ESS", -60, 8, 2, "in_person", ""),
]
DEMO_ACCESSIBILITY = (
    "Salle de plain-pied accessible en fauteuil roulant ; boucle magnétique à l'accueil (information fictive)."
)


def _mois_de_l_ess(today: datetime.date) -> datetime.date:
    """The 1st of the next Mois de l'ESS (November), this year's while it is not over."""
    year = today.year if today.month <= 11 else today.year + 1
    return datetime.date(year, 11, 1)


@transaction.atomic
def load_events_demo(*, seed: int = 2019) -> dict[str, int]:
    """About a dozen fictional events, marked « (fictif) », linked to the demo actors, initiatives and sites.

    Idempotent: an event is matched on its slug and never changed once there.
    """
    rng = random.Random(seed)
    today = timezone.localdate()
    paris = timezone.get_default_timezone()
    actors = list(Actor.objects.published().filter(source="demo").order_by("pk")[:40])
    initiatives = list(Initiative.objects.published().filter(source=Source.DEMO).order_by("pk")[:20])
    sites = list(Site.objects.published().filter(source=Source.DEMO).select_related("commune").order_by("pk"))
    communes = list(Commune.objects.in_territory().order_by("insee_code"))
    if not communes:
        return {"événements fictifs": 0}
    november = _mois_de_l_ess(today)
    rows = [
        (slug, kind, title, november + datetime.timedelta(days=offset), hour, hours, "in_person", "")
        for slug, kind, title, offset, hour, hours in EVENTS
    ]
    rows[3] = (*rows[3][:6], "online", "")
    rows += [
        (slug, kind, title, today + datetime.timedelta(days=offset), hour, hours, mode, status)
        for slug, kind, title, offset, hour, hours, mode, status in OTHER_EVENTS
    ]
    created = 0
    for slug, kind, title, day, hour, hours, mode, status in rows:
        if Event.objects.filter(slug=slug).exists():
            continue
        starts_at = datetime.datetime.combine(day, datetime.time(hour), tzinfo=paris)
        site = rng.choice(sites) if sites and mode != "online" and rng.random() < 0.4 else None
        commune = site.commune if site else rng.choice(communes)
        event = Event(
            slug=slug,
            title=f"{title} (fictif)",
            kind=kind,
            description=(
                f"Cet événement est fictif : il montre l'agenda de l'ESS d'Est Ensemble. {title}, "
                "ouvert à toutes et à tous, sur inscription."
            ),
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=hours),
            attendance_mode=mode,
            event_status=status or Event.Status.SCHEDULED,
            site=site,
            address="" if site or mode == "online" else f"{rng.randint(1, 120)} rue de l'Exemple (fictive)",
            commune=None if mode == "online" else commune,
            online_url="https://visio.example.org/demo-agenda" if mode != "in_person" else "",
            accessibility=DEMO_ACCESSIBILITY if mode != "online" else "Sous-titrage en direct (information fictive).",
            registration_url="https://inscriptions.example.org/demo-agenda" if rng.random() < 0.7 else "",
            publication_status=PublicationStatus.PUBLISHED,
            source=Source.DEMO,
            is_fictional=True,
        )
        event.full_clean()
        event.save()
        if actors:
            event.actors.set(rng.sample(actors, k=min(rng.randint(1, 2), len(actors))))
        if initiatives and rng.random() < 0.5:
            event.initiatives.set([rng.choice(initiatives)])
        created += 1
    # One proposal waiting for a moderator, to show the queue.
    slug = "demo-evenement-proposition"
    if not Event.objects.filter(slug=slug).exists():
        starts_at = datetime.datetime.combine(today + datetime.timedelta(days=40), datetime.time(15), tzinfo=paris)
        Event.objects.create(
            slug=slug,
            title="Goûter-rencontre d'une association de quartier (fictif)",
            kind=Event.Kind.OTHER,
            description="Proposition fictive, en attente de modération.",
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=2),
            commune=communes[0],
            address="3 place de l'Exemple (fictive)",
            publication_status=PublicationStatus.PENDING,
            source=Source.DEMO,
            is_fictional=True,
            proposal_message="Proposition de démonstration (fictive).",
        )
        created += 1
    return {"événements fictifs": created}
