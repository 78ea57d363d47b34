"""Validators of the strategy tracker's data, shared by models, forms, the admin, the API and importers.

The lifecycle and the energy gate have a module of their own, `projects.lifecycle`.
Each validator raises a `ValidationError` with a French message.
"""

import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

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


# ---------------------------------------------------------------------------
# Events of the agenda

# An event is announced at most this far ahead: further is a typo in the year, not a plan.
EVENT_MAX_YEARS_AHEAD = 5
# An event lasts at most this long (the Mois de l'ESS is a month; a festival a few weeks).
EVENT_MAX_DAYS = 62
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?]|&[a-zA-Z#][a-zA-Z0-9]*;")


def validate_plain_text(value: str) -> None:
    """No HTML in a title: tags and entities are refused rather than shown as code or stripped silently."""
    if value and _MARKUP.search(value):
        raise ValidationError(
            _("Le texte ne peut pas contenir de balises HTML (par exemple « <b> ») : écrivez-le en texte simple."),
            code="markup",
        )


validate_http_url = URLValidator(
    schemes=["http", "https"],
    message=_("Indiquez une adresse web complète qui commence par http:// ou https://."),
    code="invalid_url",
)


def validate_event_window(starts_at: datetime | None, ends_at: datetime | None, *, now: datetime) -> dict:
    """The errors of an event's dates, by field (empty: valid). One rule for forms, admin, API and demo."""
    errors = {}
    if starts_at is None or ends_at is None:
        return errors
    if ends_at < starts_at:
        errors["ends_at"] = _("La fin de l'événement précède son début.")
    elif ends_at - starts_at > timedelta(days=EVENT_MAX_DAYS):
        errors["ends_at"] = _("Un événement dure au plus %(days)d jours.") % {"days": EVENT_MAX_DAYS}
    if starts_at > now + timedelta(days=365 * EVENT_MAX_YEARS_AHEAD + 1):
        errors["starts_at"] = _("Le début est à plus de %(years)d ans : vérifiez l'année.") % {
            "years": EVENT_MAX_YEARS_AHEAD
        }
    return errors
