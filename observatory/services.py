"""The observatory's rules: recording, proposing and moderating yearly figures, and adding them up.

Writes are keyword-only functions, each in a transaction, called by the admin, the structures'
accounts, the demo loader and the commands alike. The aggregates read approved figures of
published actors only (`YearlyFiguresQuerySet.public`) and hide every group, and every figure,
that rests on fewer actors than `settings.OBSERVATORY_MIN_ACTORS`.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory.history import Origin, provenance
from directory.models import Actor, Commune, Neighbourhood, Representative, Sector, Typology
from observatory.models import METRIC_NAMES, METRICS, CampaignReminder, FigureSource, YearlyFigures

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------------------
# Recording and moderating


class AlreadyDecided(ValidationError):
    pass


def _save(figures: YearlyFigures, *, by, reason: str = "") -> YearlyFigures:
    figures.full_clean()
    if by is not None:
        figures._history_user = by
    if reason:
        figures._change_reason = reason
    figures.save()
    return figures


@transaction.atomic
def record_figures(*, figures: YearlyFigures, by=None) -> YearlyFigures:
    """Record figures established by staff (or an import, the demo): approved at once."""
    figures.status = YearlyFigures.Status.APPROVED
    return _save(figures, by=by)


def combined(proposal: YearlyFigures, approved: YearlyFigures | None) -> YearlyFigures:
    """What the approved row becomes once `proposal` is approved: its values, the others kept from `approved`."""
    result = YearlyFigures(
        actor_id=proposal.actor_id,
        year=proposal.year,
        note=proposal.note,
        status=YearlyFigures.Status.APPROVED,
        is_fictional=proposal.is_fictional,
    )
    for name in METRIC_NAMES:
        source = proposal if getattr(proposal, name) is not None or approved is None else approved
        setattr(result, name, getattr(source, name))
        setattr(result, f"{name}_source", getattr(source, f"{name}_source"))
    return result


def approved_figures(actor: Actor, year: int) -> YearlyFigures | None:
    return YearlyFigures.objects.approved().filter(actor=actor, year=year).first()


@transaction.atomic
def propose_figures(*, actor: Actor, year, values: dict, note: str = "", user) -> YearlyFigures:
    """A structure's account declares its figures for `year`: « proposé » until a moderator decides.

    `values` maps metric names to values (None for « not given »); each value's source is
    « déclaré par la structure ». A pending proposal of the same year is updated rather than doubled.
    Refused (ValidationError) when the figures, once combined with the approved ones, break a rule.
    """
    proposal = (
        YearlyFigures.objects.select_for_update().pending().filter(actor=actor, year=year).first()
        if isinstance(year, int)
        else None
    ) or YearlyFigures(actor=actor, year=year, status=YearlyFigures.Status.PROPOSED)
    for name in METRIC_NAMES:
        value = values.get(name)
        setattr(proposal, name, value)
        setattr(proposal, f"{name}_source", FigureSource.DECLARED if value is not None else "")
    proposal.note = note
    proposal.proposed_by = user
    proposal.status = YearlyFigures.Status.PROPOSED
    proposal.full_clean()
    current = approved_figures(actor, year)
    if current is not None:
        # The combined row must hold too (FTE against a headcount the proposal left as it was).
        combined(proposal, current).full_clean(validate_constraints=False)
    with provenance(Origin.ACCOUNT, detail=user.get_username()):
        return _save(proposal, by=user)


def _lock(figures: YearlyFigures) -> YearlyFigures:
    locked = YearlyFigures.objects.select_for_update().select_related("actor").get(pk=figures.pk)
    if locked.status != YearlyFigures.Status.PROPOSED:
        raise AlreadyDecided(
            gettext("Ces chiffres ont déjà été traités (%(state)s).") % {"state": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def approve_figures(*, figures: YearlyFigures, by) -> YearlyFigures:
    """Approve a proposal: it becomes the actor's approved figures for its year.

    The values it leaves empty are taken from the figures approved before, which are kept as
    « remplacé » (history keeps every version).
    """
    proposal = _lock(figures)
    current = YearlyFigures.objects.select_for_update().approved().filter(actor=proposal.actor, year=proposal.year)
    current = current.first()
    merged = combined(proposal, current)
    for name in METRIC_NAMES:
        setattr(proposal, name, getattr(merged, name))
        setattr(proposal, f"{name}_source", getattr(merged, f"{name}_source"))
    if current is not None:
        current.status = YearlyFigures.Status.REPLACED
        _save(current, by=by, reason=gettext("remplacés par les chiffres proposés n° %(pk)s") % {"pk": proposal.pk})
    proposal.status = YearlyFigures.Status.APPROVED
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    _save(proposal, by=by, reason=gettext("chiffres proposés validés"))
    transaction.on_commit(lambda: notify_decision(proposal))
    return proposal


@transaction.atomic
def refuse_figures(*, figures: YearlyFigures, by, reason: str) -> YearlyFigures:
    """Refuse a proposal, with the reason told to the structure."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"refusal_reason": _("Indiquez le motif du refus : il est envoyé à la structure.")})
    proposal = _lock(figures)
    proposal.status = YearlyFigures.Status.REFUSED
    proposal.refusal_reason = reason
    proposal.decided_by = by
    proposal.decided_at = timezone.now()
    _save(proposal, by=by, reason=gettext("chiffres proposés refusés"))
    transaction.on_commit(lambda: notify_decision(proposal))
    return proposal


def notify_decision(figures: YearlyFigures) -> None:
    """Tell the account that proposed the figures what was decided (when it has an address)."""
    user = figures.proposed_by
    if user is None or not user.email:
        return
    context = {
        "figures": figures,
        "actor": figures.actor,
        "approved": figures.status == YearlyFigures.Status.APPROVED,
        "account_url": settings.SITE_URL + reverse("observatory:account_figures", args=[figures.actor.slug]),
    }
    subject = gettext("Vos chiffres %(year)s pour « %(name)s »") % {"year": figures.year, "name": figures.actor.name}
    body = render_to_string("observatory/email/decision.txt", context)
    try:
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
    except OSError:  # the decision stands; the mail server's trouble is logged
        logger.exception("Could not send the figures decision e-mail")


# ---------------------------------------------------------------------------
# Reading one actor's figures


def latest_figures(actor_ids: Iterable[int]) -> dict[int, YearlyFigures]:
    """Per actor among `actor_ids`, its latest approved yearly figures (actors without any left out).

    One query, whatever the number of actors. Per-actor figures are not public by default: the
    caller decides whether it may show them (docs/stewardship.md).
    """
    ids = sorted({int(pk) for pk in actor_ids})
    if not ids:
        return {}
    latest: dict[int, YearlyFigures] = {}
    for figures in YearlyFigures.objects.approved().filter(actor_id__in=ids).order_by("actor_id", "-year"):
        latest.setdefault(figures.actor_id, figures)
    return latest


# ---------------------------------------------------------------------------
# The yearly campaign


def actors_to_remind(year: int):
    """Published actors with a representative, without figures for `year`, not yet reminded for it.

    Figures proposed, approved or replaced count as given; refused ones do not.
    """
    given = YearlyFigures.objects.filter(year=year).exclude(status=YearlyFigures.Status.REFUSED)
    reminded = CampaignReminder.objects.filter(year=year)
    return (
        Actor.objects.published()
        .filter(pk__in=Representative.objects.values("actor_id"))
        .exclude(pk__in=given.values("actor_id"))
        .exclude(pk__in=reminded.values("actor_id"))
        .order_by("name", "pk")
    )


@transaction.atomic
def run_campaign(*, year: int, actors: list[Actor]) -> int:
    """E-mail the representatives of `actors` for `year` and remember it, so that no actor is reminded twice.

    Returns the number of e-mails sent. The reminders are recorded in the same transaction as the
    sending: a failing mail server leaves nothing recorded, and the next run tries again.
    """
    locked = list(Actor.objects.select_for_update().filter(pk__in=[actor.pk for actor in actors]).order_by("pk"))
    already = set(CampaignReminder.objects.filter(year=year, actor__in=locked).values_list("actor_id", flat=True))
    pending = [actor for actor in locked if actor.pk not in already]
    messages = campaign_messages(pending, year)
    counts: dict[int, int] = defaultdict(int)
    for message in messages:
        counts[message.actor_id] += 1
    CampaignReminder.objects.bulk_create(
        CampaignReminder(actor=actor, year=year, recipients=counts.get(actor.pk, 0)) for actor in pending
    )
    return send_campaign(messages)


def campaign_messages(actors: Iterable[Actor], year: int) -> list[EmailMessage]:
    messages = []
    representatives = (
        Representative.objects.filter(actor__in=list(actors))
        .select_related("user", "actor")
        .order_by("actor__name", "pk")
    )
    for representative in representatives:
        user = representative.user
        if not user.email or not user.is_active:
            continue
        actor = representative.actor
        context = {
            "actor": actor,
            "year": year,
            "name": user.get_full_name() or user.get_username(),
            "account_url": settings.SITE_URL + reverse("observatory:account_figures", args=[actor.slug]),
            "observatory_url": settings.SITE_URL + reverse("observatory:observatory"),
        }
        subject = gettext("Vos chiffres %(year)s pour l'observatoire de l'ESS : « %(name)s »") % {
            "year": year,
            "name": actor.name,
        }
        body = render_to_string("observatory/email/campaign.txt", context)
        message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        message.actor_id = actor.pk
        messages.append(message)
    return messages


def send_campaign(messages: list[EmailMessage]) -> int:
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


# ---------------------------------------------------------------------------
# Aggregates


class LegalFamily:
    """The legal forms grouped as the observatory reports them."""

    CHOICES = (
        ("associations", _("associations"), ("association",)),
        ("cooperatives", _("coopératives (SCOP, SCIC, CAE, autres)"), ("scop", "scic", "cae", "cooperative")),
        ("mutuals", _("mutuelles"), ("mutual",)),
        ("foundations", _("fondations"), ("foundation",)),
        ("ess_companies", _("sociétés commerciales de l'ESS"), ("ess_company",)),
        ("others", _("autres formes"), ("public_body", "other")),
    )
    OF_FORM = {form: code for code, _label, forms in CHOICES for form in forms}
    LABELS = {code: label for code, label, _forms in CHOICES}

    @classmethod
    def of(cls, legal_form: str) -> str:
        return cls.OF_FORM.get(legal_form, "others")


BREAKDOWNS = {
    "year": _("ensemble du territoire"),
    "commune": _("commune"),
    "neighbourhood": _("quartier prioritaire (QPV)"),
    "sector": _("secteur"),
    "legal_family": _("famille juridique"),
    "typology": _("typologie"),
}
# Breakdowns where each actor is in one group only: a hidden group could be worked out from the
# total and the others, so a second group is hidden with it (`_hide_complement`). Sectors overlap.
PARTITIONS = ("commune", "neighbourhood", "legal_family", "typology")
NONE_KEY = ""


def min_actors() -> int:
    return max(1, int(settings.OBSERVATORY_MIN_ACTORS))


@dataclass
class Cell:
    """One figure of a group: its value (None when hidden or unknown) and how many actors it rests on."""

    metric: str
    value: Decimal | int | None
    actors: int
    hidden: bool = False


@dataclass
class Group:
    by: str
    key: str
    label: str
    year: int
    actors: int
    hidden: bool = False
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def cell_list(self) -> list[Cell]:
        return [self.cells[name] for name in METRIC_NAMES]


@dataclass
class Breakdown:
    by: str
    label: str
    groups: list[Group]
    hidden_groups: int

    @property
    def visible(self) -> list[Group]:
        return [group for group in self.groups if not group.hidden]


@dataclass(frozen=True)
class FigureRow:
    actor_id: int
    year: int
    commune: str
    neighbourhood: str
    legal_family: str
    typology: str
    values: tuple


def figure_rows(queryset=None, *, year: int | None = None) -> list[FigureRow]:
    """The approved figures of published actors (`queryset` narrows them), with what the breakdowns group by.

    One query.
    """
    queryset = YearlyFigures.objects.public() if queryset is None else queryset
    if year is not None:
        queryset = queryset.filter(year=year)
    columns = (
        "actor_id",
        "year",
        "actor__commune_id",
        "actor__neighbourhood_id",
        "actor__legal_form",
        "actor__typology",
    )
    rows = []
    for record in queryset.order_by().values_list(*columns, *METRIC_NAMES):
        actor_id, row_year, commune, neighbourhood, legal_form, typology = record[:6]
        rows.append(
            FigureRow(
                actor_id=actor_id,
                year=row_year,
                commune=str(commune or NONE_KEY),
                neighbourhood=str(neighbourhood or NONE_KEY),
                legal_family=LegalFamily.of(legal_form),
                typology=typology,
                values=tuple(record[6:]),
            )
        )
    return rows


def _sector_keys(actor_ids: set[int]) -> dict[int, set[int]]:
    """Each actor's main sectors (a sub-sector counts for its main sector), from the link table (one query)."""
    links = (
        Actor.sectors.through.objects.filter(actor_id__in=actor_ids)
        .values_list("actor_id", "sector_id", "sector__parent_id")
        .order_by()
    )
    keys: dict[int, set[int]] = defaultdict(set)
    for actor_id, sector_id, parent_id in links:
        keys[actor_id].add(parent_id or sector_id)
    return keys


def _labels(by: str, keys: set[str]) -> dict[str, tuple[str, str]]:
    """Per group key, (public code, label): INSEE code, neighbourhood or sector slug, vocabulary code."""
    ids = [int(key) for key in keys if key and key.isdigit()]
    if by == "commune":
        found = {
            str(pk): (code, name)
            for pk, code, name in Commune.objects.filter(pk__in=ids).values_list("pk", "insee_code", "name")
        }
        found[NONE_KEY] = ("", str(_("commune non renseignée")))
    elif by == "neighbourhood":
        found = {
            str(pk): (slug, name)
            for pk, slug, name in Neighbourhood.objects.filter(pk__in=ids).values_list("pk", "slug", "name")
        }
        found[NONE_KEY] = ("", str(_("hors quartier prioritaire")))
    elif by == "sector":
        found = {
            str(pk): (slug, name)
            for pk, slug, name in Sector.objects.filter(pk__in=ids).values_list("pk", "slug", "name")
        }
        found[NONE_KEY] = ("", str(_("secteur non renseigné")))
    elif by == "legal_family":
        found = {code: (code, str(label)) for code, label in LegalFamily.LABELS.items()}
    elif by == "typology":
        found = {code: (code, str(label)) for code, label in Typology.choices}
    else:
        found = {NONE_KEY: ("", str(_("Est Ensemble")))}
    return found


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _cells(rows: list[FigureRow]) -> dict[str, Cell]:
    cells = {}
    for index, metric in enumerate(METRICS):
        values = [row.values[index] for row in rows if row.values[index] is not None]
        if not values:
            cells[metric.name] = Cell(metric.name, None, 0)
            continue
        total = sum(Decimal(value) for value in values)
        if metric.aggregate == "mean":
            value = _round(total / len(values))
        elif metric.name == "fte":
            value = _round(total)
        else:
            value = int(total)
        cells[metric.name] = Cell(metric.name, value, len(values))
    return cells


def _hide_small(group: Group, threshold: int) -> None:
    if group.actors < threshold:
        group.hidden = True
    for cell in group.cells.values():
        if group.hidden or (cell.actors and cell.actors < threshold):
            cell.hidden = True


def _hide_complement(groups: list[Group]) -> None:
    """When one group (or one figure of a column) alone is hidden, hide the smallest other with it.

    Otherwise the hidden one would be the total less the others.
    """
    hidden = [group for group in groups if group.hidden]
    shown = sorted((group for group in groups if not group.hidden), key=lambda group: (group.actors, group.key))
    if len(hidden) == 1 and shown:
        shown[0].hidden = True
        for cell in shown[0].cells.values():
            cell.hidden = True
    for name in METRIC_NAMES:
        column = [group.cells[name] for group in groups]
        hidden_cells = [cell for cell in column if cell.hidden and cell.actors]
        shown_cells = sorted(
            (group for group in groups if not group.cells[name].hidden and group.cells[name].actors),
            key=lambda group: (group.cells[name].actors, group.key),
        )
        if len(hidden_cells) == 1 and shown_cells:
            shown_cells[0].cells[name].hidden = True


def breakdown(by: str, rows: list[FigureRow], *, threshold: int | None = None) -> Breakdown:
    """The figures of `rows` grouped by `by` and year, small groups and figures hidden.

    Groups are ordered by year (latest first), then by label. A hidden figure keeps its count of
    actors but not its value.
    """
    if by not in BREAKDOWNS:
        raise ValueError(by)
    threshold = min_actors() if threshold is None else threshold
    grouped: dict[tuple[int, str], list[FigureRow]] = defaultdict(list)
    if by == "sector":
        sectors = _sector_keys({row.actor_id for row in rows})
        for row in rows:
            for key in sectors.get(row.actor_id) or {NONE_KEY}:
                grouped[(row.year, str(key) if key != NONE_KEY else NONE_KEY)].append(row)
    else:
        for row in rows:
            grouped[(row.year, getattr(row, by) if by != "year" else NONE_KEY)].append(row)
    labels = _labels(by, {key for _year, key in grouped})
    groups = []
    for (year, key), members in grouped.items():
        code, label = labels.get(key, (key, key))
        group = Group(
            by=by,
            key=code,
            label=label,
            year=year,
            actors=len({row.actor_id for row in members}),
            cells=_cells(members),
        )
        _hide_small(group, threshold)
        groups.append(group)
    if by in PARTITIONS:
        for year in {group.year for group in groups}:
            _hide_complement([group for group in groups if group.year == year])
    groups.sort(key=lambda group: (-group.year, group.key == "", group.label.casefold(), group.key))
    hidden = sum(1 for group in groups if group.hidden)
    return Breakdown(by=by, label=str(BREAKDOWNS[by]), groups=groups, hidden_groups=hidden)


def published_years() -> list[int]:
    """The years with approved figures of published actors, latest first."""
    return list(YearlyFigures.objects.public().order_by("-year").values_list("year", flat=True).distinct())


def observatory_figures(*, year: int | None = None) -> dict:
    """Every breakdown of `year` (all years when None), from one read of the figures."""
    rows = figure_rows(year=year)
    return {by: breakdown(by, rows) for by in BREAKDOWNS}


def trend_rows() -> dict:
    """The territory's totals by year, and the typology's two kinds by year, for the trends."""
    rows = figure_rows()
    return {"year": breakdown("year", rows), "typology": breakdown("typology", rows)}
