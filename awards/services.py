"""The rules of the Trophées de l'ESS, one home each: forms, jury pages, admin and commands call these.

Steps of an edition:

1. staff prepare it (categories, criteria, questions) and make it public; the call opens at `opens_at`;
2. structures apply (`submit_application`) until `deadline` — never after (`models.deadline_error`);
3. staff decide each application's eligibility (`decide_eligibility`);
4. jurors declare their conflicts of interest (`declare_conflict`) and score the eligible applications
   they have no conflict on (`record_evaluation`), each criterion between 0 and its maximum;
5. staff open the deliberation (`open_deliberation`): scores become readable by the jury and staff,
   the ranking per category is computed (`ranking`), and no score changes any more;
6. staff record the jury's choice of laureates (`choose_laureate`), then publish the results
   (`publish_results`): the edition's page and the laureates' actor pages show them.

Confidentiality: before the deliberation opens, a juror reads only their own scores and staff read
progress counts only (how many evaluations an application has), never values (`may_read_scores`).
"""

import contextlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from awards.enums import JURY_GROUP, Eligibility, SubmittedVia
from awards.models import (
    Answer,
    Application,
    Attachment,
    Category,
    Conflict,
    Edition,
    Evaluation,
    JuryMember,
    Laureate,
    Score,
    deadline_error,
)
from directory import claims
from directory.history import Origin, provenance
from directory.models import Actor

MAX_ATTACHMENTS = 5


def _origin(via: str) -> str:
    return {
        SubmittedVia.ACCOUNT: Origin.ACCOUNT,
        SubmittedVia.PUBLIC: Origin.CONTRIBUTION,
        SubmittedVia.ADMIN: Origin.ADMIN,
    }.get(via, Origin.COMMAND)


def check_call_open(edition: Edition, at=None) -> None:
    """Refuse an application made at `at` (now by default) outside the call's dates."""
    message = deadline_error(edition, at)
    if message:
        raise ValidationError(message, code="deadline")


@transaction.atomic
def submit_application(
    *,
    edition: Edition,
    category: Category,
    structure_name: str,
    project_title: str,
    contact_name: str,
    contact_email: str,
    answers: dict[int, str],
    files: list[tuple[str, object]] | None = None,
    via: str,
    user=None,
    actor: Actor | None = None,
    submitter_key: str = "",
    at=None,
    is_fictional: bool = False,
) -> Application:
    """Record an application with its answers and attachments, or refuse it whole (French messages).

    Refused after the deadline or before the opening, to a category of another edition, without an
    answer to a required question, with a file the document rules refuse, or on behalf of an actor
    the account does not represent.
    """
    # Lock the edition: a deadline passing or a deliberation opening meanwhile is seen.
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    check_call_open(edition, at)
    if via in (SubmittedVia.PUBLIC, SubmittedVia.ACCOUNT) and not edition.is_public:
        raise ValidationError(_("Cette édition n'accepte pas de candidatures."), code="not_public")
    if via == SubmittedVia.ACCOUNT and (
        actor is None or not claims.represented_actors(user).filter(pk=actor.pk).exists()
    ):
        raise PermissionDenied(_("Ce compte ne représente pas cette structure."))
    files = files or []
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(
            {"files": _("%(max)s pièces jointes au plus par candidature.") % {"max": MAX_ATTACHMENTS}}
        )
    # A command keeps the provenance its caller set (`load_demo`, an import…).
    stamped = (
        contextlib.nullcontext()
        if via == SubmittedVia.COMMAND
        else provenance(_origin(via), detail=user.get_username() if user is not None else "")
    )
    with stamped:
        application = Application(
            edition=edition,
            category=category,
            actor=actor,
            structure_name=structure_name,
            project_title=project_title,
            contact_name=contact_name,
            contact_email=contact_email,
            submitted_via=via,
            submitted_by=user if user is not None and user.is_authenticated else None,
            submitter_key=submitter_key,
            submitted_at=at or timezone.now(),
            is_fictional=is_fictional,
        )
        application.full_clean()
        application.save()
        errors = {}
        for question in edition.questions.all():
            text = (answers.get(question.pk) or "").strip()
            if question.required and not text:
                errors[f"question_{question.pk}"] = _("Cette question appelle une réponse.")
                continue
            answer = Answer(application=application, question=question, text=text)
            try:
                answer.full_clean(exclude=["application"])
            except ValidationError as exc:
                errors[f"question_{question.pk}"] = exc.messages
                continue
            answer.save()
        for title, upload in files:
            attachment = Attachment(application=application, title=title or str(upload.name)[:200], file=upload)
            try:
                attachment.full_clean(exclude=["application"])
            except ValidationError as exc:
                errors["files"] = exc.messages
                continue
            attachment.save()
        if errors:
            raise ValidationError(errors)
    return application


@transaction.atomic
def decide_eligibility(*, application: Application, eligibility: str, reason: str = "", by=None) -> Application:
    """Staff's eligibility check: recevable, or irrecevable with a reason; kept in the history."""
    application = Application.objects.select_for_update().select_related("edition").get(pk=application.pk)
    if eligibility not in Eligibility.values:
        raise ValidationError({"eligibility": _("Décision inconnue.")})
    reason = (reason or "").strip()
    if eligibility == Eligibility.INELIGIBLE and not reason:
        raise ValidationError({"eligibility_reason": _("Une candidature irrecevable demande un motif.")})
    if application.edition.deliberation_opened_at:
        raise ValidationError(_("La délibération est ouverte : la recevabilité ne change plus."))
    application.eligibility = eligibility
    application.eligibility_reason = reason
    application._change_reason = reason[:100]
    application.save(update_fields=["eligibility", "eligibility_reason"])
    return application


# -- The jury


def is_juror(user) -> bool:
    """Whether `user` sits (actively) on the jury of any edition."""
    if not user.is_authenticated or not user.is_active:
        return False
    return JuryMember.objects.filter(user=user, is_active=True).exists()


def memberships(user) -> QuerySet:
    if not user.is_authenticated:
        return JuryMember.objects.none()
    return JuryMember.objects.filter(user=user, is_active=True)


def is_jury_only_account(user) -> bool:
    """A jury-only account: in the « Jurys » group, not staff (it never reaches the admin)."""
    return user.is_authenticated and not user.is_staff and user.groups.filter(name=JURY_GROUP).exists()


def may_read_scores(user, edition: Edition) -> bool:
    """Whether `user` may read every juror's score values on `edition`.

    Only once the deliberation is open, and then the edition's active jurors and staff allowed to view
    evaluations. Before that, nobody reads another juror's values (a juror reads their own).
    """
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return False
    if not edition.deliberation_opened_at:
        return False
    if user.is_staff and user.has_perm("awards.view_evaluation"):
        return True
    return JuryMember.objects.filter(edition=edition, user=user, is_active=True).exists()


def scorable(member: JuryMember) -> QuerySet:
    """The applications `member` may score: eligible, of their edition, without a declared conflict."""
    return Application.objects.filter(edition_id=member.edition_id, eligibility=Eligibility.ELIGIBLE).exclude(
        conflicts__member=member
    )


def has_conflict(member: JuryMember, application: Application) -> bool:
    return Conflict.objects.filter(member=member, application=application).exists()


def _check_member(member: JuryMember, application: Application) -> None:
    if not member.is_active or member.edition_id != application.edition_id:
        raise PermissionDenied(_("Vous ne siégez pas au jury de cette édition."))


@transaction.atomic
def declare_conflict(*, member: JuryMember, application: Application, reason: str) -> Conflict:
    """Declare a conflict of interest; any score the juror gave this application is withdrawn."""
    _check_member(member, application)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Décrivez en quelques mots votre lien avec cette candidature.")})
    edition = Edition.objects.select_for_update().get(pk=application.edition_id)
    if edition.deliberation_opened_at:
        raise ValidationError(_("La délibération est ouverte : les déclarations sont closes."))
    with provenance(Origin.ACCOUNT, detail=f"jury : {member.user.get_username()}"):
        conflict, _created = Conflict.objects.get_or_create(
            member=member, application=application, defaults={"reason": reason}
        )
        for evaluation in Evaluation.objects.filter(member=member, application=application):
            evaluation.scores.all().delete()
            evaluation.delete()
    return conflict


def validate_scores(edition: Edition, values: dict[int, int | None]) -> dict[int, int]:
    """Every criterion of `edition` scored, each between 0 and its maximum; field errors otherwise."""
    errors, cleaned = {}, {}
    for criterion in edition.criteria.all():
        value = values.get(criterion.pk)
        key = f"criterion_{criterion.pk}"
        if value is None or value == "":
            errors[key] = _("Notez ce critère.")
            continue
        try:
            value = int(value)
        except (TypeError, ValueError):
            errors[key] = _("Saisissez un nombre entier.")
            continue
        if not 0 <= value <= criterion.max_score:
            errors[key] = _("La note doit être comprise entre 0 et %(max)s.") % {"max": criterion.max_score}
            continue
        cleaned[criterion.pk] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def record_evaluation(*, member: JuryMember, application: Application, scores: dict, comment: str = "") -> Evaluation:
    """A juror's scores on one application (created or replaced), with their optional comment.

    Refused on an application the juror declared a conflict on, on one not (yet) eligible, once the
    deliberation is open, and for a score out of its criterion's bounds.
    """
    _check_member(member, application)
    edition = Edition.objects.select_for_update().get(pk=application.edition_id)
    # Read again under the lock: the eligibility decided meanwhile counts, not the caller's copy.
    application = Application.objects.get(pk=application.pk)
    if edition.deliberation_opened_at:
        raise ValidationError(_("La délibération est ouverte : les notes ne changent plus."), code="closed")
    if has_conflict(member, application):
        raise PermissionDenied(
            _("Vous avez déclaré un conflit d'intérêts sur cette candidature : vous ne la notez pas.")
        )
    if application.eligibility != Eligibility.ELIGIBLE:
        raise ValidationError(_("Seules les candidatures recevables sont notées."), code="not_eligible")
    cleaned = validate_scores(edition, scores)
    with provenance(Origin.ACCOUNT, detail=f"jury : {member.user.get_username()}"):
        evaluation, _created = Evaluation.objects.get_or_create(member=member, application=application)
        if evaluation.comment != comment:
            evaluation.comment = comment
            evaluation.save()
        existing = {score.criterion_id: score for score in evaluation.scores.all()}
        for criterion_id, value in cleaned.items():
            score = existing.get(criterion_id)
            if score is None:
                Score.objects.create(evaluation=evaluation, criterion_id=criterion_id, value=value)
            elif score.value != value:
                score.value = value
                score.save()
    return evaluation


def progress(edition: Edition) -> QuerySet:
    """Each application of `edition` with its number of evaluations and of conflicts (counts, never values)."""
    return (
        Application.objects.filter(edition=edition)
        .select_related("category")
        .annotate(
            evaluation_count=Count("evaluations", distinct=True), conflict_count=Count("conflicts", distinct=True)
        )
        .order_by("category__position", "category_id", "structure_name", "pk")
    )


# -- Deliberation and results


@transaction.atomic
def open_deliberation(*, edition: Edition, at=None) -> Edition:
    """Close the scoring and open the deliberation (after the deadline only)."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    at = at or timezone.now()
    if edition.deliberation_opened_at:
        raise ValidationError(_("La délibération est déjà ouverte."))
    if at <= edition.deadline:
        raise ValidationError(_("La délibération s'ouvre après la date limite de candidature."))
    edition.deliberation_opened_at = at
    edition.save(update_fields=["deliberation_opened_at"])
    return edition


@dataclass
class Ranked:
    application: Application
    average: Decimal | None
    evaluation_count: int
    rank: int | None = None


@dataclass
class CategoryRanking:
    category: Category
    entries: list[Ranked] = field(default_factory=list)


def evaluation_mark(values: list[tuple[int, int, int]]) -> Decimal:
    """One evaluation's mark out of 100: Σ weight × value / max, over Σ weight (each criterion normalised)."""
    total_weight = sum(weight for _value, _max, weight in values)
    if not total_weight:
        return Decimal(0)
    mark = sum(Decimal(weight) * Decimal(value) / Decimal(maximum) for value, maximum, weight in values)
    return mark * 100 / total_weight


def ranking(edition: Edition, *, user) -> list[CategoryRanking]:
    """The eligible applications of each category, best first, by the mean of their evaluations' marks.

    Each evaluation gives a mark out of 100, the weighted average of its scores normalised by each
    criterion's maximum (`evaluation_mark`); an application's average is the mean of its marks,
    rounded to two decimals; ties share a rank. Applications without an evaluation come last.
    Only for those who may read the scores (`may_read_scores`): three queries whatever the size.
    """
    if not may_read_scores(user, edition):
        raise PermissionDenied(_("Les notes restent confidentielles jusqu'à l'ouverture de la délibération."))
    applications = list(
        Application.objects.filter(edition=edition, eligibility=Eligibility.ELIGIBLE)
        .select_related("category", "actor")
        .order_by("structure_name", "pk")
    )
    marks: dict[int, dict[int, list]] = {}
    rows = Score.objects.filter(evaluation__application__edition=edition).values_list(
        "evaluation__application_id", "evaluation_id", "value", "criterion__max_score", "criterion__weight"
    )
    for application_id, evaluation_id, value, maximum, weight in rows:
        marks.setdefault(application_id, {}).setdefault(evaluation_id, []).append((value, maximum, weight))
    by_category: dict[int, CategoryRanking] = {
        category.pk: CategoryRanking(category=category) for category in edition.categories.all()
    }
    for application in applications:
        evaluations = marks.get(application.pk, {})
        average = None
        if evaluations:
            total = sum(evaluation_mark(values) for values in evaluations.values())
            average = (total / len(evaluations)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        entry = Ranked(application=application, average=average, evaluation_count=len(evaluations))
        by_category.setdefault(application.category_id, CategoryRanking(category=application.category)).entries.append(
            entry
        )
    for group in by_category.values():
        group.entries.sort(key=lambda e: (e.average is None, -(e.average or 0), e.application.structure_name))
        previous, rank = None, 0
        for position, entry in enumerate(group.entries, start=1):
            if entry.average is None:
                continue
            if entry.average != previous:
                rank, previous = position, entry.average
            entry.rank = rank
    return list(by_category.values())


def laureate_error(application: Application, *, exclude: int | None = None) -> str:
    """Why `application` may not be recorded as a laureate now, or "" (admin form and service alike)."""
    edition = application.edition
    if not edition.deliberation_opened_at:
        return _("Les lauréats se choisissent une fois la délibération ouverte.")
    if edition.results_published_at:
        return _("Le palmarès est publié : il ne change plus.")
    if application.eligibility != Eligibility.ELIGIBLE:
        return _("Seule une candidature recevable peut être lauréate.")
    if Laureate.objects.filter(application=application).exclude(pk=exclude).exists():
        return _("Cette candidature est déjà lauréate.")
    return ""


@transaction.atomic
def choose_laureate(*, application: Application, jury_decision: str, distinction: str = "") -> Laureate:
    """Record the jury's choice of `application` as a laureate of its category (during the deliberation)."""
    Edition.objects.select_for_update().filter(pk=application.edition_id).first()
    application = Application.objects.select_related("edition").get(pk=application.pk)
    message = laureate_error(application)
    if message:
        raise ValidationError(message)
    jury_decision = (jury_decision or "").strip()
    if not jury_decision:
        raise ValidationError({"jury_decision": _("Consignez la décision du jury.")})
    laureate = Laureate(application=application, jury_decision=jury_decision)
    if distinction:
        laureate.distinction = distinction
    laureate.full_clean()
    laureate.save()
    return laureate


@transaction.atomic
def publish_results(*, edition: Edition, at=None) -> Edition:
    """Publish the laureates of `edition`: its page and their actor pages show them from now on."""
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if not edition.deliberation_opened_at:
        raise ValidationError(_("Le palmarès se publie après la délibération."))
    if edition.results_published_at:
        raise ValidationError(_("Le palmarès est déjà publié."))
    if not edition.is_public:
        raise ValidationError(_("Publiez d'abord l'édition elle-même."))
    if not Laureate.objects.filter(application__edition=edition).exists():
        raise ValidationError(_("Aucun lauréat n'est choisi : le palmarès serait vide."))
    edition.results_published_at = at or timezone.now()
    edition.save(update_fields=["results_published_at"])
    return edition


def published_awards(actor_ids) -> dict[int, list[Laureate]]:
    """The published laureate titles of each of `actor_ids` (published actors only), newest first, in one query."""
    result: dict[int, list[Laureate]] = {}
    laureates = (
        Laureate.objects.published()
        .filter(application__actor_id__in=list(actor_ids))
        .select_related("application__edition", "application__category")
        .order_by("-application__edition__year", "application__category__position")
    )
    for laureate in laureates:
        result.setdefault(laureate.application.actor_id, []).append(laureate)
    return result


def unevaluated_count(member: JuryMember) -> int:
    return scorable(member).exclude(evaluations__member=member).count()


def recent_applications(key: str, *, hours: int = 1) -> int:
    """Applications sent from this sender's address in the last `hours` (the public form's rate limit)."""
    since = timezone.now() - timezone.timedelta(hours=hours)
    return Application.objects.filter(submitter_key=key, submitted_at__gte=since).count()
