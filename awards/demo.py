"""The fictional demo of the Trophées de l'ESS, loaded by `load_demo` (never by migrations).

Two editions, both marked fictional (« (fictif) » in their names, `is_fictional`): last year's,
run to its end through the services like a real one (applications from the directory's demo actors,
eligibility, two demo jurors with a conflict declared, scores, deliberation, laureates, published
results), and this year's, with its call open until 31 December. Deterministic; idempotent (an
edition of the same year is left as it is).
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from awards import services
from awards.enums import JURY_GROUP, Eligibility, SubmittedVia
from awards.models import Category, Criterion, Edition, JuryMember, Question
from directory.models import Actor

JUROR_PASSWORD = "demo-jury-ess-2026"  # Documented in README.md; demo only (load_demo runs under DEBUG).
JURORS = [
    ("demo-jure-1@example.org", "Camille Exemple (fictif)", "Réseau fictif de l'ESS"),
    ("demo-jure-2@example.org", "Dominique Exemple (fictif)", "Fondation fictive"),
]
CATEGORIES = [
    (
        "demo-innovation-sociale",
        "Innovation sociale (fictif)",
        "Une réponse nouvelle à un besoin social du territoire.",
    ),
    ("demo-transition-ecologique", "Transition écologique (fictif)", "Un projet qui réduit l'empreinte énergétique."),
    (
        "demo-cooperation",
        "Coopération territoriale (fictif)",
        "Un projet mené avec d'autres structures ou entreprises.",
    ),
]
CRITERIA = [
    ("Utilité sociale", 3, 10),
    ("Ancrage territorial", 2, 10),
    ("Transition énergétique", 2, 10),
    ("Viabilité économique", 1, 10),
]
QUESTIONS = [
    ("Présentez votre projet en quelques lignes.", True),
    ("À quel besoin du territoire répond-il ?", True),
    ("Avec quels partenaires le menez-vous ?", False),
]


def _tz(year, month, day, hour=0, minute=0):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def _edition(year: int, *, past: bool) -> Edition:
    edition = Edition.objects.create(
        year=year,
        title=f"Trophées de l'ESS {year} (fictif)",
        introduction=(
            "Édition de démonstration : ses catégories, ses candidatures, son jury et son palmarès sont fictifs."
        ),
        is_public=True,
        opens_at=_tz(year, 1, 1) if not past else _tz(year, 3, 1),
        deadline=_tz(year, 12, 31, 23, 59) if not past else _tz(year, 5, 31, 23, 59),
        jury_date=None if not past else datetime.date(year, 6, 20),
        ceremony_date=None if not past else datetime.date(year, 10, 9),
        is_fictional=True,
    )
    for position, (slug, name, description) in enumerate(CATEGORIES):
        Category.objects.create(edition=edition, slug=slug, name=name, description=description, position=position)
    for position, (name, weight, max_score) in enumerate(CRITERIA):
        Criterion.objects.create(edition=edition, name=name, weight=weight, max_score=max_score, position=position)
    for position, (label, required) in enumerate(QUESTIONS):
        Question.objects.create(edition=edition, label=label, required=required, position=position)
    return edition


def _jurors():
    User = get_user_model()
    group, _created = Group.objects.get_or_create(name=JURY_GROUP)
    users = []
    for email, name, _affiliation in JURORS:
        user, created = User.objects.get_or_create(username=email, defaults={"email": email, "first_name": name})
        if created:
            user.set_password(JUROR_PASSWORD)
            user.save()
        user.groups.add(group)
        users.append(user)
    return users


def _apply(edition, actors, at):
    applications = []
    categories = list(edition.categories.all())
    questions = list(edition.questions.all())
    for index, actor in enumerate(actors):
        applications.append(
            services.submit_application(
                edition=edition,
                category=categories[index % len(categories)],
                actor=actor,
                structure_name=actor.name,
                project_title=f"Projet de démonstration n° {index + 1} (fictif)",
                contact_name="Contact fictif",
                contact_email=f"demo-candidature-{index + 1}@example.org",
                answers={q.pk: f"Réponse fictive à « {q.label} »" for q in questions},
                via=SubmittedVia.COMMAND,
                at=at + datetime.timedelta(days=index),
                is_fictional=True,
            )
        )
    return applications


@transaction.atomic
def load_awards_demo() -> dict[str, int]:
    created = {"éditions des Trophées": 0, "candidatures aux Trophées": 0, "lauréats des Trophées": 0}
    actors = list(Actor.objects.published().filter(source="demo").order_by("slug")[:7])
    jurors = _jurors()
    this_year = timezone.localdate().year
    past_year = this_year - 1
    if not Edition.objects.filter(year=past_year).exists():
        edition = _edition(past_year, past=True)
        created["éditions des Trophées"] += 1
        applications = _apply(edition, actors[:6], edition.opens_at + datetime.timedelta(days=10))
        created["candidatures aux Trophées"] += len(applications)
        for index, application in enumerate(applications):
            if index == 5:
                services.decide_eligibility(
                    application=application,
                    eligibility=Eligibility.INELIGIBLE,
                    reason="Dossier incomplet (motif fictif).",
                )
            else:
                services.decide_eligibility(application=application, eligibility=Eligibility.ELIGIBLE)
        members = [
            JuryMember.objects.create(edition=edition, user=user, display_name=name, affiliation=affiliation)
            for user, (_email, name, affiliation) in zip(jurors, JURORS, strict=True)
        ]
        services.declare_conflict(
            member=members[1], application=applications[0], reason="Lien fictif de démonstration."
        )
        criteria = list(edition.criteria.all())
        for m, member in enumerate(members):
            for a, application in enumerate(applications[:5]):
                if m == 1 and a == 0:
                    continue
                scores = {c.pk: (3 + (a * 5 + c_index * 3 + m * 2) % 8) for c_index, c in enumerate(criteria)}
                services.record_evaluation(
                    member=member, application=application, scores=scores, comment="Commentaire fictif."
                )
        edition = services.open_deliberation(edition=edition, at=edition.deadline + datetime.timedelta(days=20))
        for group in services.ranking(edition, user=jurors[0]):
            if group.entries and group.entries[0].rank == 1:
                services.choose_laureate(
                    application=group.entries[0].application,
                    jury_decision="Choisi par le jury à l'unanimité (décision fictive).",
                )
                created["lauréats des Trophées"] += 1
        services.publish_results(edition=edition, at=edition.deadline + datetime.timedelta(days=130))
    if not Edition.objects.filter(year=this_year).exists():
        edition = _edition(this_year, past=False)
        created["éditions des Trophées"] += 1
        for user, (_email, name, affiliation) in zip(jurors, JURORS, strict=True):
            JuryMember.objects.create(edition=edition, user=user, display_name=name, affiliation=affiliation)
        if len(actors) > 6:
            at = min(timezone.now(), edition.deadline)
            created["candidatures aux Trophées"] += len(_apply(edition, actors[6:7], at))
    return created
