"""Every plural message follows the French rule: the singular for 0 and 1 (« 0 acteur trouvé »)."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

from ess_portal.management.commands.french_plurals import plural_entries

ROOT = Path(settings.BASE_DIR)
SOURCE_DIRS = ("directory", "projects", "ess_portal")
_LITERAL = r"u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
_TEMPLATE_CALL = re.compile(rf"ngettext\(({_LITERAL}), ({_LITERAL}), count\)")
PLURAL_FUNCTIONS = {"ngettext", "ngettext_lazy"}


def python_messages():
    for directory in SOURCE_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                name = getattr(node, "func", None)
                name = getattr(name, "id", getattr(name, "attr", None))
                if isinstance(node, ast.Call) and name in PLURAL_FUNCTIONS and len(node.args) >= 2:
                    singular, plural = node.args[:2]
                    if isinstance(singular, ast.Constant) and isinstance(plural, ast.Constant):
                        yield path.relative_to(ROOT), singular.value, plural.value


def template_messages():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for singular, plural in _TEMPLATE_CALL.findall(templatize(path.read_text(encoding="utf-8"))):
            yield path.relative_to(ROOT), ast.literal_eval(singular), ast.literal_eval(plural)


def all_messages():
    return [*python_messages(), *template_messages()]


def test_the_code_has_plural_messages_to_check():
    files = {path for path, _, _ in all_messages()}
    assert len(all_messages()) >= 40
    assert Path("templates/directory/actor_list.html") in files
    assert Path("directory/admin.py") in files


@pytest.mark.parametrize("path, singular, plural", all_messages(), ids=lambda value: str(value)[:40])
def test_every_plural_message_is_in_the_french_catalogue(path, singular, plural):
    """Fails for a new plural message until `python manage.py french_plurals` has been run."""
    with translation.override("fr"):
        one = translation.ngettext(singular, plural, 1)
        assert translation.ngettext(singular, plural, 0) == one, f"{path}: run manage.py french_plurals"


def test_zero_results_read_in_the_singular(client, db):
    response = client.get("/annuaire/", {"q": "zzzz introuvable"})
    assert "0 acteur trouvé" in response.content.decode()
    response = client.get("/accompagnement/", {"stage": "creation"})
    assert "0 offre correspondante" in response.content.decode()


def test_the_catalogue_copies_the_french_source_into_both_forms():
    po_text = (
        "#, python-format\n"
        'msgid "%(count)d acteur"\n'
        'msgid_plural "%(count)d acteurs"\n'
        'msgstr[0] ""\n'
        'msgstr[1] ""\n\n'
        'msgid "sans pluriel"\n'
        'msgstr ""\n'
    )
    assert plural_entries(po_text) == [
        "#, python-format\n"
        'msgid "%(count)d acteur"\n'
        'msgid_plural "%(count)d acteurs"\n'
        'msgstr[0] "%(count)d acteur"\n'
        'msgstr[1] "%(count)d acteurs"'
    ]


def test_a_message_makemessages_marked_fuzzy_is_written_without_the_flag():
    """gettext leaves fuzzy entries out of the compiled catalogue: the French forms would be lost."""
    from ess_portal.management.commands.french_plurals import plural_entries

    block = '#, fuzzy, python-format\nmsgid "%(n)s lien"\nmsgid_plural "%(n)s liens"\nmsgstr[0] ""\nmsgstr[1] ""\n'
    (entry,) = plural_entries(block)
    assert entry.splitlines()[0] == "#, python-format"
    assert 'msgstr[1] "%(n)s liens"' in entry
