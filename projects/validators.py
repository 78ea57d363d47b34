"""One validator per rule of the strategy tracker, shared by models, forms, the admin, the API and importers.

The lifecycle table and the energy gate live here: `Initiative.clean()`,
`services.change_status()` and every other entry point call the same functions.
Each validator raises a `ValidationError` with a French message.
"""

import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

# ---------------------------------------------------------------------------
# Lifecycle of an initiative
#
# Values are those of `projects.models.Initiative.Status`; a consistency test
# checks that both agree.

IDEA = "idea"
CONSULTATION = "consultation"
APPROVED = "approved"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
SUSPENDED = "suspended"
ABANDONED = "abandoned"

# From each status, where an initiative may go next. Completed is final; an abandoned
# initiative may only be taken up again as an idea; a suspended one resumes where it fits.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    IDEA: frozenset({CONSULTATION, APPROVED, ABANDONED}),
    CONSULTATION: frozenset({IDEA, APPROVED, SUSPENDED, ABANDONED}),
    APPROVED: frozenset({IN_PROGRESS, SUSPENDED, ABANDONED}),
    IN_PROGRESS: frozenset({COMPLETED, SUSPENDED, ABANDONED}),
    SUSPENDED: frozenset({CONSULTATION, APPROVED, IN_PROGRESS, ABANDONED}),
    COMPLETED: frozenset(),
    ABANDONED: frozenset({IDEA}),
}

# The strategy makes energy transition a sine qua non: these statuses need an approved review.
ENERGY_GATED_STATUSES = frozenset({APPROVED, IN_PROGRESS, COMPLETED})
APPROVING_DECISIONS = frozenset({"approved", "approved_with_conditions"})


def _status_label(value: str) -> str:
    from projects.models import Initiative

    try:
        return str(Initiative.Status(value).label)
    except ValueError:
        return value


def allowed_next_statuses(from_status: str) -> list[str]:
    """The statuses reachable from `from_status`, in lifecycle order."""
    reachable = ALLOWED_TRANSITIONS.get(from_status, frozenset())
    return [value for value in ALLOWED_TRANSITIONS if value in reachable]


def validate_transition(from_status: str, to_status: str) -> None:
    """Only the transitions of ALLOWED_TRANSITIONS are allowed."""
    if to_status not in ALLOWED_TRANSITIONS:
        raise ValidationError(_("Statut inconnu : %(status)s.") % {"status": to_status}, code="unknown_status")
    if from_status == to_status:
        raise ValidationError(
            _("Le projet est déjà au statut « %(status)s ».") % {"status": _status_label(to_status)},
            code="same_status",
        )
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, frozenset()):
        allowed = allowed_next_statuses(from_status)
        raise ValidationError(
            _("Passage de « %(from)s » à « %(to)s » impossible. Statuts possibles depuis « %(from)s » : %(allowed)s.")
            % {
                "from": _status_label(from_status),
                "to": _status_label(to_status),
                "allowed": ", ".join(f"« {_status_label(s)} »" for s in allowed) or _("aucun (statut final)"),
            },
            code="illegal_transition",
        )


def validate_energy_gate(initiative, to_status: str) -> None:
    """No initiative reaches approved, in progress or completed without an approved energy review.

    `initiative` is an Initiative; its review (if any) is read from `initiative.energy_review`.
    """
    if to_status not in ENERGY_GATED_STATUSES:
        return
    review = None
    if initiative.pk:
        from projects.models import EnergyReview

        try:
            review = initiative.energy_review
        except EnergyReview.DoesNotExist:
            review = None
    if review is None:
        raise ValidationError(
            _(
                "Le projet ne peut pas passer au statut « %(status)s » sans revue de transition énergétique : "
                "la transition énergétique est une condition de tout projet. Créez la revue et faites-la approuver."
            )
            % {"status": _status_label(to_status)},
            code="energy_review_missing",
        )
    if review.decision not in APPROVING_DECISIONS:
        raise ValidationError(
            _(
                "Le projet ne peut pas passer au statut « %(status)s » : sa revue de transition énergétique est "
                "« %(decision)s ». Elle doit être approuvée (avec ou sans conditions)."
            )
            % {"status": _status_label(to_status), "decision": review.get_decision_display()},
            code="energy_review_not_approved",
        )


# ---------------------------------------------------------------------------
# Documents

# Allowed extensions, each with how its content must start (or a check of its own).
PDF, PNG, JPEG, OOXML, ODF, TEXT = "pdf", "png", "jpeg", "ooxml", "odf", "text"
DOCUMENT_TYPES: dict[str, str] = {
    ".pdf": PDF,
    ".png": PNG,
    ".jpg": JPEG,
    ".jpeg": JPEG,
    ".docx": OOXML,
    ".xlsx": OOXML,
    ".pptx": OOXML,
    ".odt": ODF,
    ".ods": ODF,
    ".odp": ODF,
    ".csv": TEXT,
    ".txt": TEXT,
}
_ODF_MIMETYPES = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
    ".odp": b"application/vnd.oasis.opendocument.presentation",
}
_OOXML_PARTS = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}


def _content_matches(extension: str, kind: str, fileobj) -> bool:
    """Whether the file's bytes are what its extension claims (magic bytes, container layout)."""
    fileobj.seek(0)
    head = fileobj.read(2048)
    if kind == PDF:
        return head.startswith(b"%PDF-")
    if kind == PNG:
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == JPEG:
        return head.startswith(b"\xff\xd8\xff")
    if kind in (OOXML, ODF):
        if not head.startswith(b"PK\x03\x04"):
            return False
        fileobj.seek(0)
        try:
            with zipfile.ZipFile(fileobj) as archive:
                names = archive.namelist()
                if kind == ODF:
                    return "mimetype" in names and archive.read("mimetype").strip() == _ODF_MIMETYPES[extension]
                return "[Content_Types].xml" in names and any(n.startswith(_OOXML_PARTS[extension]) for n in names)
        except (zipfile.BadZipFile, KeyError, OSError):
            return False
    if kind == TEXT:
        fileobj.seek(0)
        data = fileobj.read(1024 * 1024)
        if b"\x00" in data:
            return False
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                data.decode("cp1252")
            except UnicodeDecodeError:
                return False
        return True
    return False


def validate_document_file(value) -> None:
    """A document must be small enough, of an allowed type, and really of that type.

    The extension is checked against a whitelist, then the content is sniffed so that,
    say, an executable renamed `rapport.pdf` is refused.
    """
    if not value:
        return
    max_size = settings.DOCUMENT_MAX_SIZE
    if value.size is not None and value.size > max_size:
        raise ValidationError(
            _("Fichier trop volumineux (%(size)s) : la taille maximale est de %(max)s.")
            % {"size": filesizeformat(value.size), "max": filesizeformat(max_size)},
            code="document_too_large",
        )
    extension = Path(value.name or "").suffix.lower()
    kind = DOCUMENT_TYPES.get(extension)
    if kind is None:
        raise ValidationError(
            _("Type de fichier non accepté (%(ext)s). Formats acceptés : %(allowed)s.")
            % {"ext": extension or _("sans extension"), "allowed": ", ".join(sorted(DOCUMENT_TYPES))},
            code="document_type",
        )
    if value.size == 0:
        raise ValidationError(_("Le fichier est vide."), code="document_empty")
    fileobj = value.file if hasattr(value, "file") else value
    position = fileobj.tell() if hasattr(fileobj, "tell") else 0
    try:
        matches = _content_matches(extension, kind, fileobj)
    finally:
        fileobj.seek(position)
    if not matches:
        raise ValidationError(
            _("Le contenu du fichier ne correspond pas à son extension %(ext)s : fichier refusé.") % {"ext": extension},
            code="document_disguised",
        )
