"""Where each change kept in the history came from, and how deleted records come back.

Every historical record (django-simple-history) of the portal carries, besides who and when:

- `history_source`: the entry point — the staff admin, a partner's API token, an import, a
  public contribution, a management command;
- `history_source_detail`: what names it further (the token's prefix, the imported file…);
- `history_batch`: records deleted together share one, so that a deleted record can be
  restored with the children that went with it (`restore_batch`).

Entry points say where they are with `provenance(...)`; the historical record is stamped when it
is created (simple_history's `pre_create_historical_record`), so no caller can forget it.
"""

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.db import models, router, transaction
from django.db.models.deletion import Collector
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record
from simple_history.utils import get_m2m_reverse_field_name


class Origin(models.TextChoices):
    ADMIN = "admin", _("administration")
    API = "api", _("API partenaire")
    IMPORT = "import", _("import")
    CONTRIBUTION = "contribution", _("contribution publique")
    ACCOUNT = "account", _("compte de la structure")
    COMMAND = "command", _("commande")


@dataclass(frozen=True)
class Provenance:
    source: str
    detail: str = ""
    batch: uuid.UUID | None = None


_current: contextvars.ContextVar[Provenance | None] = contextvars.ContextVar("history_provenance", default=None)


@contextmanager
def provenance(source: str, detail: str = "", *, batch: uuid.UUID | None = None) -> Iterator[Provenance]:
    """Within this block, historical records say they come from `source` (an `Origin`)."""
    current = Provenance(source=source, detail=detail[:200], batch=batch)
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)


@contextmanager
def deletion_batch() -> Iterator[uuid.UUID]:
    """Records deleted within this block share one batch id, the key to restore them together."""
    current = _current.get() or Provenance(source="")
    batch = uuid.uuid4()
    with provenance(current.source, current.detail, batch=batch):
        yield batch


def current_provenance() -> Provenance | None:
    return _current.get()


def provenance_attrs(history_model: type[models.Model]) -> dict[str, str]:
    """The provenance fields for historical records written in bulk (`bulk_history_create`).

    simple_history sends no `pre_create_historical_record` for them: bulk writers pass these as
    `custom_historical_attrs`.
    """
    current = _current.get()
    if current is None or not issubclass(history_model, ProvenanceHistoricalModel):
        return {}
    return {"history_source": current.source, "history_source_detail": current.detail}


class ProvenanceHistoricalModel(models.Model):
    """The abstract base of every historical model: `HistoricalRecords(bases=[ProvenanceHistoricalModel])`."""

    history_source = models.CharField(_("provenance"), max_length=20, choices=Origin.choices, blank=True)
    history_source_detail = models.CharField(_("précision sur la provenance"), max_length=200, blank=True)
    history_batch = models.UUIDField(_("lot de suppression"), null=True, blank=True, db_index=True, editable=False)

    class Meta:
        abstract = True


@receiver(pre_create_historical_record)
def _stamp_provenance(sender, history_instance, **kwargs):
    current = _current.get()
    if current is None or not isinstance(history_instance, ProvenanceHistoricalModel):
        return
    history_instance.history_source = current.source
    history_instance.history_source_detail = current.detail
    if history_instance.history_type == "-":
        history_instance.history_batch = current.batch


def _historical_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if issubclass(model, ProvenanceHistoricalModel)]


def _parents_first(records: list) -> list:
    """Deleted records ordered so that a row comes back before the rows that point to it."""
    by_model: dict[type, list] = {}
    for record in records:
        by_model.setdefault(record.instance_type, []).append(record)
    ordered, placed = [], set()
    pending = list(by_model)
    while pending:
        for model in list(pending):
            parents = {
                field.related_model
                for field in model._meta.concrete_fields
                if field.is_relation and field.related_model in by_model and field.related_model is not model
            }
            if parents <= placed:
                ordered.extend(by_model[model])
                placed.add(model)
                pending.remove(model)
                break
        else:  # a cycle between deleted models: keep the remaining order
            ordered.extend(record for model in pending for record in by_model[model])
            break
    return ordered


def deleted_records(batch: uuid.UUID) -> list:
    """The deletion records of one batch, every model included."""
    records = []
    for model in _historical_models():
        records.extend(model.objects.filter(history_batch=batch, history_type="-"))
    return records


def delete_with_history(instance: models.Model) -> None:
    """Delete `instance` and what cascades with it, each deletion record keeping its many-to-many values.

    Django removes the link rows before simple_history writes the deletion records, which would then
    list no sector, label, commune or participant, and a restore would bring the records back without
    them: the links of every record the cascade reaches are read first and written on its deletion record.
    """
    collector = Collector(using=router.db_for_write(type(instance)))
    collector.collect([instance])
    links = []
    for model, objs in collector.data.items():
        history_model = getattr(getattr(model, "history", None), "model", None)
        for field in getattr(history_model, "_history_m2m_fields", []):
            through = field.remote_field.through
            names = [through_field.attname for through_field in through._meta.fields]
            own = field.m2m_field_name()
            for obj in objs:
                rows = list(through.objects.filter(**{own: obj.pk}).values(*names))
                if rows:
                    links.append((history_model, obj.pk, field, rows))
    instance.delete()
    for history_model, pk, field, rows in links:
        record = history_model.objects.filter(**{history_model.instance_type._meta.pk.attname: pk}, history_type="-")
        m2m_history_model = HistoricalRecords.m2m_models[field]
        m2m_history_model.objects.bulk_create(m2m_history_model(history=record.latest(), **row) for row in rows)


@transaction.atomic
def restore_batch(*, batch: uuid.UUID, user=None, reason: str) -> list[models.Model]:
    """Bring back every record deleted in `batch`, as it was when deleted, children included.

    Each restored record gets a history entry of its own (« + ») with `reason`. Returns the
    restored objects, parents first. Records recreated since (same primary key) are left as they are.
    """
    restored = []
    for record in _parents_first(deleted_records(batch)):
        model = record.instance_type
        # `record.pk` is the historical row's own id: the record's is under the model's primary key name.
        if model._default_manager.filter(pk=getattr(record, model._meta.pk.attname)).exists():
            continue
        instance = record.instance
        if user is not None:
            instance._history_user = user
        instance._change_reason = reason
        instance.save(force_insert=True)
        for field in getattr(record, "_history_m2m_fields", []):
            target = get_m2m_reverse_field_name(field)
            values = [getattr(row, f"{target}_id") for row in getattr(record, field.name).all()]
            getattr(instance, field.name).set(values)
        restored.append(instance)
    return restored


class HistoryProvenanceMiddleware:
    """Changes made through the staff admin say so in their history, with the staff member's username.

    After simple_history's HistoryRequestMiddleware (which records the user) and the authentication.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/admin/"):
            return self.get_response(request)
        user = getattr(request, "user", None)
        username = user.get_username() if user is not None and user.is_authenticated else ""
        with provenance(Origin.ADMIN, detail=username):
            return self.get_response(request)
