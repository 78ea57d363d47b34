"""Duplicate actors: finding the likely pairs, and merging one record into another.

A merge keeps one record (the survivor) and archives the other with `merged_into` pointing to
it: the archived record is never deleted, its public address leads to the survivor (301), and
every link to it — whatever model holds it, this app's or another's — moves to the survivor.
"""

import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from itertools import combinations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, models, transaction
from django.db.models import Count, OuterRef
from django.db.models.deletion import ProtectedError
from django.db.models.functions import Lower
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from directory import quality
from directory.history import delete_with_history, deletion_batch
from directory.models import Actor, ImmutableUnaccent, PublicationStatus, normalize_search_text
from directory.versions import check_version, has_versions

# ---------------------------------------------------------------------------
# Likely duplicates

# Two names of one commune this close (pg_trgm's similarity, 0 to 1) are probably one organisation:
# « Recyclerie du canal » and « Recylerie du Canal » (0.77), « La Ressourcerie » and « Ressourcerie »;
# not « Coopérative Alpha » and « Coopérative Beta » (0.61).
NAME_SIMILARITY = 0.7
_NUMBER_RE = re.compile(r"\d+")


@dataclass(frozen=True)
class DuplicatePair:
    """Two actors that are probably the same organisation, and why (`first` is the older record)."""

    first: Actor
    second: Actor
    reasons: tuple[str, ...]


def duplicate_candidates():
    """The actors that may have a duplicate: neither archived nor merged."""
    return Actor.objects.exclude(status=PublicationStatus.ARCHIVED).filter(merged_into__isnull=True)


def name_trigrams(name: str) -> set[str]:
    """The trigrams of a name as PostgreSQL's pg_trgm counts them, on the name without accents or case.

    Each word is padded with two spaces before and one after: « velo » gives «   v», « ve», «vel»,
    «elo», «lo ».
    """
    grams = set()
    for word in normalize_search_text(name).split():
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def trigram_similarity(first: set[str], second: set[str]) -> float:
    """pg_trgm's `similarity()`: shared trigrams over all the trigrams of both names."""
    if not first or not second:
        return 0.0
    shared = len(first & second)
    return shared / (len(first) + len(second) - shared)


def _numbers(name: str) -> set[str]:
    return set(_NUMBER_RE.findall(normalize_search_text(name)))


def _similar_names_postgres(candidates) -> list[tuple[int, int]]:
    """Pairs of ids of close names in one commune: one query, each name's twins found with the trigram index."""
    from django.contrib.postgres.expressions import ArraySubquery
    from django.contrib.postgres.search import TrigramSimilarity

    normalised = ImmutableUnaccent(Lower("name"))
    # `%` (trigram_similar, pg_trgm's own threshold 0.3) lets the index of migration 0006 find the
    # candidates; the similarity then keeps the close ones.
    twins = (
        candidates.filter(commune=OuterRef("commune"), pk__gt=OuterRef("pk"))
        .alias(twin_name=normalised)
        .filter(twin_name__trigram_similar=OuterRef("duplicate_name"))
        .alias(similarity=TrigramSimilarity("twin_name", OuterRef("duplicate_name")))
        .filter(similarity__gte=NAME_SIMILARITY)
        .order_by("pk")
        .values("pk")
    )
    # Actors without twins are skipped here rather than in SQL: a filter on the array would make
    # PostgreSQL run the subquery again for each row.
    rows = (
        candidates.filter(commune__isnull=False)
        .alias(duplicate_name=normalised)
        .annotate(twins=ArraySubquery(twins))
        .order_by()
        .values_list("pk", "twins")
    )
    return [(pk, twin) for pk, twin_pks in rows for twin in twin_pks]


def _similar_names_fallback(candidates) -> list[tuple[int, int]]:
    """The same pairs, compared in Python commune by commune (one query; SQLite serves small databases)."""
    by_commune = defaultdict(list)
    for pk, name, commune_id in candidates.filter(commune__isnull=False).values_list("pk", "name", "commune_id"):
        by_commune[commune_id].append((pk, name_trigrams(name)))
    pairs = []
    for rows in by_commune.values():
        for (pk_a, grams_a), (pk_b, grams_b) in combinations(sorted(rows, key=lambda row: row[0]), 2):
            smaller, larger = sorted((len(grams_a), len(grams_b)))
            # The similarity cannot exceed the ratio of the sizes: most pairs stop here.
            if not larger or smaller / larger < NAME_SIMILARITY:
                continue
            if trigram_similarity(grams_a, grams_b) >= NAME_SIMILARITY:
                pairs.append((pk_a, pk_b))
    return pairs


def likely_duplicates(candidates=None) -> list[DuplicatePair]:
    """Pairs of actors that are probably one organisation, with the reasons, sorted by name.

    Two actors pair when they share a SIREN, or when their names are nearly identical (trigram
    similarity of the names without accents or case ≥ `NAME_SIMILARITY`) in the same commune and
    carry the same numbers, if any (« Jardin 1 » and « Jardin 2 » are two gardens). Archived and
    merged actors are left out. Three queries whatever the number of actors: on PostgreSQL the
    names are compared by the database with the trigram index, elsewhere in Python with the same
    measure, so that both find the same pairs.
    """
    candidates = duplicate_candidates() if candidates is None else candidates
    reasons: dict[tuple[int, int], list[str]] = defaultdict(list)

    shared = candidates.exclude(siren="").values("siren").annotate(n=Count("pk")).filter(n__gt=1).values("siren")
    by_siren = defaultdict(list)
    for pk, siren in candidates.filter(siren__in=shared).values_list("pk", "siren").order_by("siren", "pk"):
        by_siren[siren].append(pk)
    for siren, pks in by_siren.items():
        for pair in combinations(pks, 2):
            reasons[pair].append(gettext("même SIREN (%(siren)s)") % {"siren": siren})

    if connections[candidates.db].vendor == "postgresql":
        name_pairs = _similar_names_postgres(candidates)
    else:
        name_pairs = _similar_names_fallback(candidates)

    pks = {pk for pair in [*reasons, *name_pairs] for pk in pair}
    actors = {actor.pk: actor for actor in Actor.objects.filter(pk__in=pks).select_related("commune")}
    for pk_a, pk_b in name_pairs:
        first, second = actors[pk_a], actors[pk_b]
        if _numbers(first.name) != _numbers(second.name):
            continue
        reasons[(pk_a, pk_b)].append(gettext("noms presque identiques à %(commune)s") % {"commune": first.commune.name})

    pairs = [
        DuplicatePair(first=actors[pk_a], second=actors[pk_b], reasons=tuple(found))
        for (pk_a, pk_b), found in reasons.items()
        if found
    ]
    return sorted(pairs, key=lambda p: (p.first.name.lower(), p.second.name.lower(), p.first.pk, p.second.pk))


def suggested_survivor(first: Actor, second: Actor) -> Actor:
    """The record a merge keeps unless staff choose otherwise: the published one, the fuller one, the older one."""
    return min(
        (first, second), key=lambda actor: (not actor.is_published, -quality.score(actor), actor.created_at, actor.pk)
    )


def merged_survivor(slug: str, survivors=None) -> Actor | None:
    """The record that the actor with `slug` was merged into, among `survivors` (published actors by default)."""
    survivors = Actor.objects.published() if survivors is None else survivors
    return survivors.filter(merged_actors__slug=slug).first()


# ---------------------------------------------------------------------------
# Merging


def can_merge(user) -> bool:
    """Merging archives a record and rewrites what points to it: staff who may change and delete actors."""
    return bool(
        user and user.is_active and user.has_perm("directory.change_actor") and user.has_perm("directory.delete_actor")
    )


@dataclass(frozen=True)
class FieldGroup:
    """Fields whose values go together: a merge takes all of them from one record."""

    label: str
    fields: tuple[str, ...]


# Every field of the record that a merge may take from the merged actor (the survivor's stay by default).
# Not offered: the slug (the survivor keeps its address), the publication state (the survivor keeps
# its own: publishing is a decision of its own), and what is computed.
FIELD_GROUPS = (
    FieldGroup(_("nom"), ("name",)),
    FieldGroup(_("SIRET et SIREN"), ("siret", "siren")),
    FieldGroup(_("numéro RNA"), ("rna",)),
    FieldGroup(_("forme juridique"), ("legal_form",)),
    FieldGroup(_("statut ESS"), ("ess_status",)),
    FieldGroup(_("typologie"), ("typology",)),
    FieldGroup(_("adresse"), ("address", "postal_code", "commune", "neighbourhood")),
    FieldGroup(_("coordonnées géographiques"), ("latitude", "longitude")),
    FieldGroup(_("intervient sur tout le territoire"), ("serves_whole_territory",)),
    FieldGroup(_("site web"), ("website",)),
    FieldGroup(_("e-mail public"), ("email",)),
    FieldGroup(_("téléphone public"), ("phone",)),
    FieldGroup(_("horaires d'ouverture"), ("opening_hours",)),
    FieldGroup(_("description courte"), ("short_description",)),
    FieldGroup(_("description"), ("description",)),
    FieldGroup(_("produits et services proposés"), ("offer",)),
    FieldGroup(_("taille"), ("employees", "fte", "volunteers")),
    FieldGroup(_("année de création"), ("founded_year",)),
    FieldGroup(_("présence"), ("presence",)),
    FieldGroup(_("source"), ("source", "source_id", "source_reference", "source_date")),
    FieldGroup(_("fiche à compléter"), ("to_complete",)),
    FieldGroup(_("fictif"), ("is_fictional",)),
    FieldGroup(_("dernière vérification"), ("last_verified_at",)),
)
MERGEABLE_FIELDS = frozenset(name for group in FIELD_GROUPS for name in group.fields)


@dataclass
class MergeResult:
    """What a merge did: the links moved to the survivor and those dropped as duplicates, per kind of record."""

    survivor: Actor
    merged: Actor
    moved: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


def merge_reason(*, survivor: Actor, merged: Actor) -> str:
    return gettext("Fusion de %(merged)s dans %(survivor)s") % {"merged": merged.name, "survivor": survivor.name}


def _stamp(obj: models.Model, *, user: User | None, reason: str) -> None:
    if user is not None:  # otherwise simple_history takes the user of the current request, if any
        obj._history_user = user
    obj._change_reason = reason


def _guarding_constraints(model: type[models.Model], field_name: str) -> list[models.BaseConstraint]:
    """The constraints of `model` that a new value of `field_name` may break: unique sets and checks naming it."""
    guards = []
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and field_name in constraint.fields:
            guards.append(constraint)
        elif isinstance(constraint, models.CheckConstraint):
            try:
                referenced = constraint.condition.referenced_base_fields
            except (AttributeError, TypeError):  # a condition that is an expression rather than a Q
                referenced = set()
            if field_name in referenced:
                guards.append(constraint)
    for together in model._meta.unique_together:
        if field_name in together:
            guards.append(models.UniqueConstraint(fields=list(together), name=f"{model._meta.db_table}_together"))
    model_field = model._meta.get_field(field_name)
    if model_field.unique:
        guards.append(models.UniqueConstraint(fields=[field_name], name=f"{model._meta.db_table}_{field_name}"))
    return guards


def _breaks(obj: models.Model, guards: list[models.BaseConstraint]) -> bool:
    for constraint in guards:
        try:
            constraint.validate(type(obj), obj)
        except ValidationError:
            return True
    return False


def _drop(obj: models.Model, *, user: User | None, reason: str) -> None:
    """Delete a link the survivor already has (or a cooperation with itself), restorably when it has a history."""
    _stamp(obj, user=user, reason=reason)
    try:
        if has_versions(type(obj)):
            with deletion_batch():
                delete_with_history(obj)
        else:
            obj.delete()
    except ProtectedError:
        raise ValidationError(
            gettext("« %(record)s » ne peut être ni déplacé ni supprimé : d'autres fiches en dépendent.")
            % {"record": obj}
        ) from None


def _count(counts: dict[str, int], model: type[models.Model], n: int = 1) -> None:
    key = str(model._meta.verbose_name_plural)
    counts[key] = counts.get(key, 0) + n


def _move_foreign_keys(relation, *, survivor, merged, user, reason, result: MergeResult) -> None:
    """Point every row of `relation` (a foreign key to Actor) at the survivor, dropping those it would duplicate."""
    model, fk = relation.related_model, relation.field
    guards = _guarding_constraints(model, fk.name)
    stamped = _auto_now_fields(model)
    for obj in model._base_manager.filter(**{fk.name: merged}).order_by("pk"):
        setattr(obj, fk.attname, survivor.pk)
        if _breaks(obj, guards):
            setattr(obj, fk.attname, merged.pk)
            _drop(obj, user=user, reason=reason)
            _count(result.dropped, model)
            continue
        _stamp(obj, user=user, reason=reason)
        obj.save(update_fields=[fk.name, *stamped])
        _count(result.moved, model)


def _auto_now_fields(model: type[models.Model]) -> list[str]:
    """Fields set at each save (a record's « modifié le »): partners' incremental syncs see the change."""
    return [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]


def _move_many_to_many(relation, *, survivor, merged, user, reason, result: MergeResult) -> None:
    """Replace the merged actor by the survivor in every record whose many-to-many field names it.

    Through the record's own manager, and one history entry per record (a history tracking the
    field records its new members); a record with a « modifié le » is saved to move it.
    """
    model, m2m = relation.related_model, relation.field
    stamped = _auto_now_fields(model)
    for owner in model._base_manager.filter(**{m2m.name: merged}).order_by("pk"):
        manager = getattr(owner, m2m.name)
        _stamp(owner, user=user, reason=reason)
        duplicate = manager.filter(pk=survivor.pk).exists()
        _count(result.dropped if duplicate else result.moved, model)
        if stamped:
            # Both changes unrecorded, then one save: one entry, with the new « modifié le ».
            owner.skip_history_when_saving = True
            manager.remove(merged)
            if not duplicate:
                manager.add(survivor)
            del owner.skip_history_when_saving
            owner.save(update_fields=stamped)
        elif duplicate:
            manager.remove(merged)
        else:
            owner.skip_history_when_saving = True
            manager.remove(merged)
            del owner.skip_history_when_saving
            manager.add(survivor)


def _move_links(*, survivor: Actor, merged: Actor, user, reason: str, result: MergeResult) -> None:
    for relation in Actor._meta.related_objects:
        if relation.many_to_many:
            if not relation.through._meta.auto_created:
                continue  # a through model of its own: its foreign key to Actor is a relation of its own
            _move_many_to_many(relation, survivor=survivor, merged=merged, user=user, reason=reason, result=result)
        else:
            _move_foreign_keys(relation, survivor=survivor, merged=merged, user=user, reason=reason, result=result)


@transaction.atomic
def merge_actors(
    *,
    survivor: Actor,
    merged: Actor,
    user: User | None = None,
    fields: Iterable[str] = (),
    versions: tuple[int | None, int | None] | None = None,
) -> MergeResult:
    """Merge `merged` into `survivor`, in one transaction: archive it, move everything that points to it.

    - `fields`: the fields (`MERGEABLE_FIELDS`) whose value the survivor takes from the merged
      record; the survivor keeps its own for the others. A SIRET taken moves (the archived record
      loses it: a SIRET is unique). When fields are taken, the survivor must still be valid
      (`full_clean`): otherwise nothing is written and the ValidationError says why.
    - Sectors, labels, roles and communes served: the survivor gets both records'.
    - Every link to the merged actor, found by walking `Actor._meta.related_objects` (offers,
      cooperations both ways, contacts, tokens, requests, claims, representatives, sources,
      initiatives, involvements, funding lines, sites, consultations…), moves to the survivor. A link
      the survivor already has (same initiative and role, same cooperation, same representative…)
      or that would join the survivor to itself is deleted instead — restorably when it has a
      history. Records previously merged into `merged` now point to the survivor.
    - The merged actor is archived with `merged_into` set; it keeps its history and its address.
    - `versions`: the two records' versions (`directory.versions`) when the confirmation was shown
      (survivor's, merged's); if either changed since, `StaleEdit` is raised and nothing is written.

    Every change is in the history with `user` and the reason « Fusion de X dans Y ».
    """
    fields = set(fields)
    unknown = fields - MERGEABLE_FIELDS
    if unknown:
        raise ValidationError(gettext("Champs inconnus : %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if survivor.pk == merged.pk:
        raise ValidationError(gettext("Une fiche ne peut pas être fusionnée avec elle-même."))
    if user is not None and not can_merge(user):
        raise PermissionDenied(gettext("La fusion de fiches est réservée aux modérateurs."))
    locked = {actor.pk: actor for actor in Actor.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk])}
    if len(locked) != 2:
        raise ValidationError(gettext("Une des deux fiches n'existe plus."))
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    if versions is not None:
        check_version(survivor, versions[0])
        check_version(merged, versions[1])
    for actor in (survivor, merged):
        if actor.merged_into_id:
            raise ValidationError(
                gettext("« %(name)s » a déjà été fusionnée dans une autre fiche.") % {"name": actor.name}
            )

    reason = merge_reason(survivor=survivor, merged=merged)
    result = MergeResult(survivor=survivor, merged=merged)
    for name in sorted(fields):
        attname = Actor._meta.get_field(name).attname
        setattr(survivor, attname, getattr(merged, attname))

    many_to_many = [f for f in Actor._meta.many_to_many if f.remote_field.through._meta.auto_created]
    taken = {f.name: list(getattr(merged, f.name).values_list("pk", flat=True)) for f in many_to_many}

    merged.status = PublicationStatus.ARCHIVED
    merged.merged_into = survivor
    if "siret" in fields and merged.siret:
        merged.siret = ""
    merged.skip_history_when_saving = True
    for f in many_to_many:
        getattr(merged, f.name).clear()
    del merged.skip_history_when_saving
    _stamp(merged, user=user, reason=reason)
    merged.save()

    if fields:
        survivor.full_clean()
    survivor.skip_history_when_saving = True
    for f in many_to_many:
        getattr(survivor, f.name).add(*taken[f.name])
    del survivor.skip_history_when_saving
    _stamp(survivor, user=user, reason=reason)
    survivor.save()

    _move_links(survivor=survivor, merged=merged, user=user, reason=reason, result=result)
    return result


def link_counts(actors: Collection[Actor]) -> list[tuple[str, dict[int, int]]]:
    """For each kind of record linked to actors, how many rows point to each of `actors` (one query per kind)."""
    pks = [actor.pk for actor in actors]
    counts: dict[str, dict[int, int]] = {}
    for relation in Actor._meta.related_objects:
        if relation.many_to_many and not relation.through._meta.auto_created:
            continue
        if relation.many_to_many:
            through = relation.through
            column = next(f.name for f in through._meta.fields if f.is_relation and f.related_model is Actor)
            rows = through.objects.filter(**{f"{column}__in": pks}).values_list(column).annotate(n=Count("pk"))
            model = relation.related_model
        else:
            model = relation.related_model
            column = relation.field.name
            rows = model._base_manager.filter(**{f"{column}__in": pks}).values_list(column).annotate(n=Count("pk"))
        key = str(model._meta.verbose_name_plural)
        per_actor = counts.setdefault(key, {})
        for pk, n in rows.order_by():
            per_actor[pk] = per_actor.get(pk, 0) + n
    return [(key, per_actor) for key, per_actor in counts.items() if per_actor]
