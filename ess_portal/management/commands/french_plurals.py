"""`python manage.py french_plurals`: rebuild the French catalogue, which carries the plural rule only.

The interface is written in French, so the strings need no translation. But gettext, without a
catalogue entry, applies the English rule to a plural message (« 0 acteurs trouvés »), while French
uses the singular for 0 and 1 (« 0 acteur trouvé »). This command collects every plural message of
the code and templates, writes `locale/fr/LC_MESSAGES/django.po` with these entries only (singular
and plural forms copied from the source) under the French rule `plural=(n > 1)`, and compiles it.
Run it after adding or changing a plural message; a test fails until it has been run.
"""

import ast
import re
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import translation

LOCALE = "fr"
IGNORED = [".venv/*", "node_modules/*", "staticfiles/*", "media/*", "tests/*", "bench/*", "backups/*"]
HEADER = """\
# The French plural rule for the messages of ESS Portal (see ess_portal/management/commands/french_plurals.py).
msgid ""
msgstr ""
"Project-Id-Version: ESS Portal\\n"
"Language: fr\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"
"""
_MSGID = re.compile(r"^msgid (.*?)^msgid_plural (.*?)^msgstr\[0\]", re.MULTILINE | re.DOTALL)


def catalogue_path() -> Path:
    return Path(settings.LOCALE_PATHS[0]) / LOCALE / "LC_MESSAGES" / "django.po"


def _translated_elsewhere(singular: str, plural: str) -> bool:
    """Whether Django's own catalogues translate this message (an English string of an overridden admin template)."""
    text = ast.literal_eval(singular.replace("\n", " "))
    with translation.override(LOCALE):
        return translation.ngettext(text, ast.literal_eval(plural.replace("\n", " ")), 1) != text


def plural_entries(po_text: str) -> list[str]:
    """The plural entries of a catalogue, each with its forms copied from the French source."""
    entries = []
    for block in po_text.split("\n\n"):
        match = _MSGID.search(block)
        if not match:
            continue
        singular, plural = match.group(1).rstrip("\n"), match.group(2).rstrip("\n")
        if _translated_elsewhere(singular, plural):
            continue
        # gettext's flags but « fuzzy » (makemessages' guess from a similar message): the forms are the source's.
        flags = []
        for line in block.splitlines():
            if line.startswith("#,"):
                kept = [flag.strip() for flag in line[2:].split(",") if flag.strip() and flag.strip() != "fuzzy"]
                if kept:
                    flags.append("#, " + ", ".join(kept))
        entries.append(
            "\n".join(
                [*flags, f"msgid {singular}", f"msgid_plural {plural}", f"msgstr[0] {singular}", f"msgstr[1] {plural}"]
            )
        )
    return entries


class Command(BaseCommand):
    help = (
        "Reconstruit le catalogue français (locale/fr), qui ne porte que la règle du pluriel français "
        "(« 0 acteur trouvé ») pour chaque message au pluriel du code, et le compile."
    )

    def handle(self, *args, **options):
        path = catalogue_path()
        call_command(
            "makemessages",
            locale=[LOCALE],
            no_location=True,
            no_obsolete=True,
            no_wrap=True,
            ignore_patterns=IGNORED,
            verbosity=0,
        )
        entries = sorted(set(plural_entries(path.read_text(encoding="utf-8"))))
        path.write_text("\n\n".join([HEADER.rstrip("\n"), *entries]) + "\n", encoding="utf-8")
        call_command("compilemessages", locale=[LOCALE], ignore_patterns=IGNORED, verbosity=0)
        self.stdout.write(f"{path.relative_to(settings.BASE_DIR)} : {len(entries)} messages au pluriel.")
