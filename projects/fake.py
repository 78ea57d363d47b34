"""Fictional initiatives at scale (`manage.py generate_fake`), with everything that hangs off them.

Each initiative gets what a real one has by its status: an energy review (approving for the
statuses behind the energy gate, as `services.change_status` demands), the lifecycle log that led
to its status, weighted milestones, indicators with dated measurements, who takes part, funding
lines, consultations and journal entries — each row with its creation record in the history.
Actors are the published fictional actors of `directory.fake`; every title says « (fictif) ».
Drawn from the same `random.Random` as the directory, after it: the same seed gives the same rows.
"""

import datetime
import random
from decimal import Decimal

from django.db import models

from directory.bulk import BulkWriter, ModelRows
from directory.fake import FICTIONAL, NAME_QUALIFIERS, Pools, SlugBook, Weighted, base_date, history_stamp
from directory.models import Commune, PublicationStatus
from projects.demo import IDEAS, INDICATORS, MILESTONES, PATHS, REASONS
from projects.enums import EnergyDecision
from projects.models import (
    Consultation,
    ConsultationParticipant,
    EnergyAssessment,
    EnergyCriterion,
    EnergyReview,
    FundingLine,
    Indicator,
    Initiative,
    Involvement,
    JournalEntry,
    Measurement,
    Milestone,
    Objective,
    StatusChange,
    StrategyAxis,
)

S = Initiative.Status
STATUSES = {
    S.IDEA: 14,
    S.CONSULTATION: 12,
    S.APPROVED: 14,
    S.IN_PROGRESS: 30,
    S.COMPLETED: 16,
    S.SUSPENDED: 7,
    S.ABANDONED: 7,
}
STARTED = {S.IN_PROGRESS, S.COMPLETED, S.SUSPENDED}
GATED = {S.APPROVED, S.IN_PROGRESS, S.COMPLETED}
LINE_STATUSES = {
    S.CONSULTATION: [FundingLine.Status.REQUESTED, FundingLine.Status.REQUESTED],
    S.APPROVED: [FundingLine.Status.SECURED, FundingLine.Status.REQUESTED],
    S.IN_PROGRESS: [FundingLine.Status.PAID, FundingLine.Status.SECURED],
    S.COMPLETED: [FundingLine.Status.PAID, FundingLine.Status.PAID],
    S.SUSPENDED: [FundingLine.Status.SECURED, FundingLine.Status.REFUSED],
    S.ABANDONED: [FundingLine.Status.REFUSED, FundingLine.Status.REQUESTED],
}
GENERIC_IDEAS = ["Projet coopératif", "Lieu partagé", "Programme d'accompagnement", "Achats solidaires groupés"]


class InitiativeFaker:
    """Writes fictional initiatives and their children through a `BulkWriter`."""

    def __init__(self, *, seed: int, writer: BulkWriter, pools: Pools, rng: random.Random):
        self.seed, self.writer, self.pools, self.rng = seed, writer, pools, rng
        self.now = base_date(seed)
        self.today = self.now.date()
        stamp = history_stamp(seed)
        self.rows = {
            model: ModelRows(writer, model, stamp=stamp)
            for model in (
                Initiative,
                EnergyReview,
                EnergyAssessment,
                StatusChange,
                Milestone,
                Indicator,
                Measurement,
                Involvement,
                FundingLine,
                Consultation,
                ConsultationParticipant,
                JournalEntry,
            )
        }
        self.slugs = SlugBook(Initiative)
        self.axes = list(StrategyAxis.objects.order_by("number").values_list("pk", "number"))
        self.objectives: dict[int, list[int]] = {}
        for pk, axis_id in Objective.objects.order_by("pk").values_list("pk", "axis_id"):
            self.objectives.setdefault(axis_id, []).append(pk)
        self.criteria = list(EnergyCriterion.objects.order_by("pk").values_list("pk", flat=True))
        self.commune_names = dict(Commune.objects.filter(pk__in=pools.communes).values_list("pk", "name"))
        self.statuses = Weighted.of(STATUSES)

    @property
    def models(self) -> list[type[models.Model]]:
        return [model for rows in self.rows.values() for model in rows.models]

    def write(self, count: int) -> int:
        if not self.axes or not self.pools.published:
            return 0
        for n in range(1, count + 1):
            self._initiative(n)
        return count

    def _actor(self, *roles: str) -> int:
        pool = self.pools.role(*roles)
        return pool[self.rng.randrange(len(pool))]

    def _initiative(self, n: int) -> None:
        rng = self.rng
        axis_id, number = self.axes[rng.randrange(len(self.axes))]
        kind, pattern = rng.choice(IDEAS.get(number) or [(Initiative.Kind.OTHER, idea) for idea in GENERIC_IDEAS])
        commune = rng.choice(self.pools.communes) if self.pools.communes else None
        where = self.commune_names.get(commune, "").removesuffix(FICTIONAL)
        title = f"{pattern} {rng.choice(NAME_QUALIFIERS)}" + (f" — {where}" if where else "") + FICTIONAL
        status = self.statuses.draw(rng)
        if status in (S.IDEA, S.CONSULTATION):
            start = self.today + datetime.timedelta(days=rng.randint(30, 200))
        else:
            start = self.today - datetime.timedelta(days=rng.randint(200, 1500))
        end = start + datetime.timedelta(days=rng.choice([365, 540, 730, 1095]))
        created = self.now - datetime.timedelta(
            days=rng.randint(250, 1600) if start < self.today else rng.randint(1, 200)
        )
        created = min(created, datetime.datetime.combine(start, datetime.time(9), tzinfo=datetime.UTC))
        manual = rng.random() < 0.1
        lead = self._actor("structure-ess")
        objectives = self.objectives.get(axis_id, [])
        pk = self.rows[Initiative].ids.take()
        path = PATHS[status]
        # The lifecycle log: one step every few weeks from the creation, the last one before « today ».
        steps = []
        at = created
        for step in path:
            at = min(self.now, at + datetime.timedelta(days=rng.randint(5, 60)))
            steps.append((step, at))
        updated = steps[-1][1] if steps else created
        summary = f"{pattern} : projet fictif{' à ' + where if where else ''}, généré pour les essais de charge."
        self.rows[Initiative].write(
            {
                "id": pk,
                "title": title[:200],
                "slug": self.slugs.take(title),
                "axis_id": axis_id,
                "objective_id": rng.choice(objectives) if objectives and rng.random() < 0.4 else None,
                "kind": str(kind),
                "summary": summary[:300],
                "description": (
                    f"{pattern}. Ce projet est fictif : il sert à mesurer le portail à l'échelle nationale. "
                    f"Il réunit {rng.randint(2, 12)} structures autour de {rng.choice(MILESTONES).lower()}."
                ),
                "lead_actor_id": lead,
                "planned_start": start,
                "planned_end": end,
                "actual_start": start if status in STARTED else None,
                "actual_end": min(end, self.today) if status == S.COMPLETED else None,
                "target_budget": Decimal(rng.choice([20000, 50000, 80000, 150000, 400000])),
                "status": str(status),
                "health": rng.choice(Initiative.Health.values) if status in (S.APPROVED, *STARTED) else "on_track",
                "progress_is_manual": manual,
                "manual_progress": rng.choice([10, 40, 70]) if manual else None,
                "publication_status": PublicationStatus.PUBLISHED.value
                if rng.random() < 0.85
                else PublicationStatus.DRAFT.value,
                "source": "demo",
                "is_fictional": True,
                "created_at": created,
                "updated_at": updated,
            },
            m2m={
                "communes": [commune] if commune else [],
                "neighbourhoods": self.pools.neighbourhoods.get(commune, [])[:1]
                if kind in (Initiative.Kind.NPNRU, Initiative.Kind.REVITALISATION)
                else [],
            },
            history_date=created,
        )
        # A review approves every initiative that went through the energy gate; others may have one too.
        gated = status in GATED or S.APPROVED in path
        if gated or rng.random() < 0.5:
            self._review(pk, approving=gated, decided=created)
        previous = S.IDEA
        for step, at in steps:
            self.rows[StatusChange].write(
                {
                    "initiative_id": pk,
                    "from_status": str(previous),
                    "to_status": str(step),
                    "changed_by_id": None,
                    "changed_at": at,
                    "reason": REASONS[step].replace("(démonstration)", "(fictif)"),
                },
                history_date=at,
            )
            previous = step
        self._children(pk, status, start, end, lead, created)

    def _review(self, initiative: int, *, approving: bool, decided: datetime.datetime) -> None:
        rng = self.rng
        if approving:
            decision = rng.choice([EnergyDecision.APPROVED, EnergyDecision.APPROVED_WITH_CONDITIONS])
        else:
            decision = rng.choice([EnergyDecision.PENDING, EnergyDecision.REJECTED])
        review = self.rows[EnergyReview].write(
            {
                "initiative_id": initiative,
                "evidence": "Note énergétique fictive jointe au dossier.",
                "reviewer_id": None,
                "decision": str(decision),
                "conditions": "Réaliser un diagnostic énergétique du local avant ouverture (fictif)."
                if decision == EnergyDecision.APPROVED_WITH_CONDITIONS
                else "",
                "decided_on": decided.date() if decision != EnergyDecision.PENDING else None,
                "created_at": decided,
                "updated_at": decided,
            },
            history_date=decided,
        )
        levels = EnergyAssessment.Level.values
        for criterion in self.criteria:
            self.rows[EnergyAssessment].write(
                {
                    "review_id": review,
                    "criterion_id": criterion,
                    "level": rng.choice(levels[1:] if approving else levels),
                    "comment": "",
                },
                history_date=decided,
            )

    def _children(self, pk: int, status: str, start, end, lead: int, created) -> None:
        rng = self.rng
        today = self.today
        started = status in STARTED
        span = max((end - start).days, 60)
        for i, title in enumerate(rng.sample(MILESTONES, k=rng.randint(3, 5))):
            planned_on = start + datetime.timedelta(days=int(span * (i + 1) / 5))
            done = planned_on <= today and (status == S.COMPLETED or (started and rng.random() < 0.8))
            self.rows[Milestone].write(
                {
                    "initiative_id": pk,
                    "title": title,
                    "planned_on": planned_on,
                    "done_on": min(planned_on, today) if done else None,
                    "weight": rng.choice([1, 1, 2, 3]),
                },
                history_date=created,
            )
        for position, (name, unit, baseline, target) in enumerate(rng.sample(INDICATORS, k=2)):
            indicator = self.rows[Indicator].write(
                {
                    "initiative_id": pk,
                    "name": name,
                    "unit": unit,
                    "baseline": baseline,
                    "target": target,
                    "position": position,
                },
                history_date=created,
            )
            if not started:
                continue
            for q in range(1, 5):
                measured_on = start + datetime.timedelta(days=int(span * q / 5))
                if measured_on > today:
                    break
                value = (target * Decimal(q) / Decimal(5) * Decimal(f"{rng.uniform(0.6, 1.1):.3f}")).quantize(
                    Decimal("1")
                )
                self.rows[Measurement].write(
                    {
                        "initiative_id": pk,
                        "indicator_id": indicator,
                        "measured_on": measured_on,
                        "value": value,
                        "note": "",
                    },
                    history_date=created,
                )
        involved = {(lead, Involvement.Role.LEAD.value)}
        for role, pool in (
            (Involvement.Role.PARTNER, ("structure-ess",)),
            (Involvement.Role.SUPPORT_PROVIDER, ("accompagnateur", "reseau")),
            (Involvement.Role.BENEFICIARY, ("structure-ess",)),
        ):
            if rng.random() < 0.8:
                involved.add((self._actor(*pool), role.value))
        for actor, role in sorted(involved, key=lambda pair: (pair[1], pair[0])):
            self.rows[Involvement].write(
                {"initiative_id": pk, "actor_id": actor, "role": role, "description": ""}, history_date=created
            )
        if status == S.IDEA:
            return
        funders = {self._actor("financeur", "acteur-public") for _ in range(2)}
        for funder, line_status in zip(sorted(funders), LINE_STATUSES[status], strict=False):
            self.rows[FundingLine].write(
                {
                    "initiative_id": pk,
                    "funder_id": funder,
                    "amount": Decimal(rng.choice([5000, 12000, 20000, 35000, 60000])),
                    "kind": rng.choice(FundingLine.Kind.values),
                    "status": str(line_status),
                    "year": start.year,
                    "note": "",
                },
                history_date=created,
            )
        for q in range(rng.randint(0, 2)):
            held_on = min(start + datetime.timedelta(days=20 + 40 * q), today)
            consultation = self.rows[Consultation].write(
                {
                    "initiative_id": pk,
                    "held_on": held_on,
                    "title": f"{rng.choice(['Atelier', 'Réunion publique', 'Comité de pilotage'])} n° {q + 1}"
                    + FICTIONAL,
                    "format": rng.choice(Consultation.Format.values),
                    "participation_level": rng.choice(Consultation.Level.values),
                    "participants_count": rng.randint(8, 120),
                    "outcomes": "Les participants ont exprimé des attentes sur les horaires (fictif).",
                    "decisions": "Élargir les horaires d'ouverture le samedi (fictif).",
                    "changes": "Le programme a été revu en conséquence (fictif).",
                    "created_at": created,
                    "updated_at": created,
                },
                history_date=created,
            )
            for actor_id in sorted({self._actor("structure-ess") for _ in range(rng.randint(1, 3))}):
                self.rows[ConsultationParticipant].write(
                    {"consultation_id": consultation, "actor_id": actor_id, "kind": ConsultationParticipant.Kind.ESS},
                    history_date=created,
                )
        for q in range(rng.randint(1, 2)):
            self.rows[JournalEntry].write(
                {
                    "initiative_id": pk,
                    "entry_date": min(start + datetime.timedelta(days=30 * (q + 1)), today),
                    "title": rng.choice(["Point d'étape", "Rencontre avec les partenaires", "Visite du lieu"])
                    + FICTIONAL,
                    "body": "Entrée de journal fictive.",
                    "is_public": q % 2 == 0,
                    "author_id": None,
                    "created_at": created,
                },
                history_date=created,
            )
