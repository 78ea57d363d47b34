"""The admin's « Importer des acteurs »: upload a file, see what it would do line by line, then import it.

The pages call `directory.imports.import_actors`, as the command does: the upload is a dry run (an
ImportRun « aperçu »), the confirmation the real run of the same file, which updates that ImportRun.
Between the two, the file waits in IMPORT_UPLOAD_DIR, a private directory (never served, not under
MEDIA_ROOT), named after its run; it is removed once imported, and left-overs after a day.

An upload larger than IMPORT_MAX_BYTES is refused without being read: at once when the request says
its length, otherwise as soon as that many bytes have come (`ImportUploadHandler`).
"""

import os
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload, TemporaryFileUploadHandler
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from directory import imports
from directory.models import Actor, ImportRun

# Stored files older than this are removed at the next upload (a preview nobody confirmed).
STALE_UPLOAD_SECONDS = 24 * 3600
# Room for the form's other fields around the two files, when judging a request by its length.
FORM_OVERHEAD_BYTES = 64 * 1024


def may_import(user) -> bool:
    """Who adds and changes actors may import them: an import never publishes (its new actors are « à valider »)."""
    return bool(
        user and user.is_active and user.is_staff and user.has_perms(["directory.add_actor", "directory.change_actor"])
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier"),
        help_text=_(
            "CSV (UTF-8 ou Windows-1252, séparé par « ; », « , » ou des tabulations) ou classeur Excel (.xlsx)."
        ),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        choices=ImportRun.Format.choices,
        initial=ImportRun.Format.EXPORT,
        help_text=_(
            "Export de l'annuaire : les colonnes de /annuaire/export.csv, modifiées ou non dans un tableur. "
            "Stock SIRENE : le fichier StockEtablissement de l'INSEE, avec le fichier des unités légales."
        ),
    )
    legal_units = forms.FileField(
        label=_("Unités légales (SIRENE)"),
        required=False,
        help_text=_("Format SIRENE seulement : le fichier StockUniteLegale (dénomination, catégorie juridique, ESS)."),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=100,
        required=False,
        help_text=_(
            "Le même nom à chaque import de la même source : il sert à reconnaître ce que l'équipe a modifié "
            "depuis le dernier import. Vide : « export » ou « sirene »."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("format") == ImportRun.Format.SIRENE and not cleaned.get("legal_units"):
            self.add_error("legal_units", _("Le format SIRENE demande aussi le fichier des unités légales."))
        return cleaned


class ImportUploadHandler(FileUploadHandler):
    """Stops reading the request as soon as one file passes IMPORT_MAX_BYTES (the rest is never read)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0
        self.exceeded = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.IMPORT_MAX_BYTES:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def _too_large_message() -> str:
    return gettext(
        "Ce fichier dépasse la limite de %(limit)s Mo (réglage IMPORT_MAX_BYTES) : il n'a pas été lu. "
        "Découpez-le, filtrez-le, ou importez-le avec la commande « manage.py import_actors »."
    ) % {"limit": imports.megabytes(settings.IMPORT_MAX_BYTES)}


def upload_dir() -> Path:
    directory = Path(settings.IMPORT_UPLOAD_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def stored_path(run: ImportRun, kind: str) -> Path:
    """Where the file of a previewed run waits: `kind` is « data » or « legal » (SIRENE's legal units)."""
    return upload_dir() / f"import-{run.pk}-{kind}"


def _store(upload, destination: Path) -> None:
    descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        for chunk in upload.chunks():
            file.write(chunk)


def _remove_stale_uploads() -> None:
    limit = time.time() - STALE_UPLOAD_SECONDS
    for entry in upload_dir().glob("import-*"):
        try:
            if entry.stat().st_mtime < limit:
                entry.unlink()
        except FileNotFoundError:
            continue


def _context(model_admin, request, **extra) -> dict:
    return {**model_admin.admin_site.each_context(request), "opts": Actor._meta, **extra}


def _form_page(model_admin, request, form, *, refusal: str = "", status: int = 200):
    context = _context(
        model_admin,
        request,
        title=gettext("Importer des acteurs"),
        form=form,
        refusal=refusal,
        export_columns=[column.header for column in imports.ExportFormat.export_columns()],
        sirene_columns=[column.header for column in imports.SireneFormat.COLUMNS],
        legal_unit_columns=[column.header for column in imports.SireneFormat.LEGAL_UNIT_COLUMNS],
        max_megabytes=imports.megabytes(settings.IMPORT_MAX_BYTES),
    )
    return render(request, "admin/directory/actor_import.html", context, status=status)


@csrf_exempt  # the upload handlers are set first; the CSRF check follows (csrf_protect below)
def import_start(request, model_admin):
    """The upload form; a valid upload is previewed (a dry run) and the preview page shown."""
    if not may_import(request.user):
        raise PermissionDenied
    if request.method == "POST":
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > 2 * settings.IMPORT_MAX_BYTES + FORM_OVERHEAD_BYTES:
            return _form_page(model_admin, request, ImportForm(), refusal=_too_large_message(), status=413)
        handler = ImportUploadHandler(request)
        request.upload_handlers = [handler, TemporaryFileUploadHandler(request)]
        return csrf_protect(_upload)(request, model_admin, handler)
    return _form_page(model_admin, request, ImportForm())


def _upload(request, model_admin, handler: ImportUploadHandler):
    files = request.FILES  # reads the upload, through the handler that stops at the limit
    if handler.exceeded:
        return _form_page(model_admin, request, ImportForm(), refusal=_too_large_message(), status=413)
    form = ImportForm(request.POST, files)
    if not form.is_valid():
        return _form_page(model_admin, request, form)
    _remove_stale_uploads()
    upload, legal_units = form.cleaned_data["file"], form.cleaned_data.get("legal_units")
    fmt = form.cleaned_data["format"]
    run = ImportRun.objects.create(
        source=form.cleaned_data["source"] or imports.default_source(fmt),
        format=fmt,
        file_name=upload.name[:255],
        state=ImportRun.State.PREVIEWED,
        user=request.user,
    )
    data_path = stored_path(run, "data")
    _store(upload, data_path)
    legal_path = None
    if fmt == ImportRun.Format.SIRENE and legal_units:
        legal_path = stored_path(run, "legal")
        _store(legal_units, legal_path)
    result = imports.import_actors(
        path=data_path,
        file_name=upload.name,
        format=fmt,
        source=run.source,
        legal_units_path=legal_path,
        legal_units_name=legal_units.name if legal_units else "",
        dry_run=True,
        user=request.user,
        run=run,
    )
    if result.error:
        _discard(run)
        return _form_page(model_admin, request, form, refusal=result.error)
    return HttpResponseRedirect(reverse("admin:directory_actor_import_run", args=[run.pk]))


def _discard(run: ImportRun) -> None:
    for kind in ("data", "legal", "data.running", "legal.running"):
        stored_path(run, kind).unlink(missing_ok=True)


def import_run(request, model_admin, run_id: int):
    """A run's report; for its author's preview without refused lines, the button that imports the file."""
    if not may_import(request.user):
        raise PermissionDenied
    run = get_object_or_404(ImportRun.objects.select_related("user"), pk=run_id)
    confirmable = (
        run.state == ImportRun.State.PREVIEWED
        and run.user_id == request.user.pk
        and not (run.counts or {}).get(imports.Outcome.REFUSED)
    )
    if request.method == "POST":
        if not confirmable:
            raise PermissionDenied
        return _confirm(request, run)
    lines = [
        {
            **entry,
            "outcome_label": imports.OUTCOME_LABELS.get(entry["outcome"], entry["outcome"]),
            "url": reverse("admin:directory_actor_change", args=[entry["actor"]]) if entry.get("actor") else "",
        }
        for entry in run.report or []
    ]
    context = _context(
        model_admin,
        request,
        title=gettext("Import de « %(file)s »") % {"file": run.file_name},
        run=run,
        summary=imports.summary(run.counts),
        lines=lines,
        left_out=(run.counts or {}).get("left_out", 0),
        confirmable=confirmable and stored_path(run, "data").exists(),
        expired=confirmable and not stored_path(run, "data").exists(),
    )
    return render(request, "admin/directory/actor_import_run.html", context)


def _confirm(request, run: ImportRun):
    here = reverse("admin:directory_actor_import_run", args=[run.pk])
    data_path, legal_path = stored_path(run, "data"), stored_path(run, "legal")
    running = stored_path(run, "data.running")
    try:
        # Renaming is atomic: a second click (or a second tab) finds no file and imports nothing.
        data_path.rename(running)
    except FileNotFoundError:
        messages.error(
            request, gettext("Ce fichier est déjà importé, ou son aperçu a expiré : importez-le de nouveau.")
        )
        return HttpResponseRedirect(here)
    try:
        result = imports.import_actors(
            path=running,
            file_name=run.file_name,
            format=run.format,
            source=run.source,
            legal_units_path=legal_path if legal_path.exists() else None,
            dry_run=False,
            user=request.user,
            run=run,
        )
    finally:
        _discard(run)
    if result.written:
        messages.success(
            request, gettext("Import terminé : %(summary)s.") % {"summary": imports.summary(result.counts)}
        )
    else:
        messages.error(
            request,
            gettext("Import refusé, rien n'est écrit : %(reason)s")
            % {"reason": result.error or gettext("l'annuaire a changé depuis l'aperçu, voyez les lignes refusées.")},
        )
    return HttpResponseRedirect(here)


def urls(model_admin) -> list:
    """The import pages, under the actors' admin (before its « <id>/ » routes)."""
    site = model_admin.admin_site

    def start(request):
        return import_start(request, model_admin)

    def run(request, run_id):
        return import_run(request, model_admin, run_id)

    start.csrf_exempt = True
    return [
        path("importer/", site.admin_view(start), name="directory_actor_import"),
        path("importer/<int:run_id>/", site.admin_view(run), name="directory_actor_import_run"),
    ]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Every import, previewed, done or refused: a record, never edited. Its page is the run's report."""

    change_list_template = "admin/directory/importrun/change_list.html"
    list_display = ["created_at", "file_name", "format", "source", "state", "summary_display", "user"]
    list_display_links = ["created_at", "file_name"]
    list_filter = ["state", "format"]
    list_select_related = ["user"]
    search_fields = ["file_name", "source"]
    ordering = ["-created_at", "-pk"]

    def has_view_permission(self, request, obj=None):
        return may_import(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not may_import(request.user) or not str(object_id).isdigit():
            return super().change_view(request, object_id, form_url, extra_context)
        return HttpResponseRedirect(reverse("admin:directory_actor_import_run", args=[object_id]))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_import": may_import(request.user)}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("décompte"))
    def summary_display(self, obj):
        return imports.summary(obj.counts)
