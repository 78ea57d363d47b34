"""The buyers' rules on one value: a CPV code that exists, a text without markup, a deadline ahead."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from purchasing import cpv

# A tag (« <b> », « </p> », « <!-- »), an entity (« &lt; ») or a link in markdown-ish markup: a need
# is plain text, and a text made of markup is almost always an advertisement pasted by a robot.
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|&[a-zA-Z]+;|&#\d+;|\[url[=\]]", re.IGNORECASE)


def normalise_cpv_code(value: str) -> str:
    """A CPV code as typed (« 45000000 7 », « 45000000-7 », « 45000000 ») in its stored form, or as given."""
    text = re.sub(r"\s+", "", str(value or ""))
    if re.fullmatch(r"\d{9}", text):
        return f"{text[:8]}-{text[8]}"
    return text


# The value is given as a parameter, never formatted in: a typed « % » must not break the message.
def validate_cpv_code_format(value: str) -> None:
    if not cpv.CODE_PATTERN.fullmatch(value or ""):
        raise ValidationError(
            _("« %(value)s » n'est pas un code CPV : huit chiffres, un tiret et un chiffre de contrôle (45000000-7)."),
            code="cpv_format",
            params={"value": str(value)[:40]},
        )


def unknown_cpv_error(value: str) -> ValidationError:
    return ValidationError(
        _("Le code CPV « %(value)s » n'existe pas dans la nomenclature du portail (divisions et groupes du CPV 2008)."),
        code="unknown_cpv",
        params={"value": str(value)[:40]},
    )


def validate_plain_text(value: str) -> None:
    """A free text typed by the public: no HTML or other markup."""
    if value and _MARKUP.search(value):
        raise ValidationError(
            _("Écrivez en texte simple : le code HTML et les balises ne sont pas acceptés."), code="markup"
        )


def validate_deadline(value: date | None, *, today: date | None = None) -> None:
    """A need's deadline: today or later."""
    if value is None:
        return
    if value < (today or timezone.localdate()):
        raise ValidationError(
            _("La date limite est déjà passée : choisissez aujourd'hui ou une date à venir."), code="past_deadline"
        )
