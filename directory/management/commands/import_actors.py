"""Import actors from a file: the directory's export (edited or not) or INSEE's SIRENE stock (docs/imports.md).

All or nothing by default: one refused line and nothing is written; the error lists the lines and why.
Every run, dry runs included, is recorded as an ImportRun (« Imports » in the admin).
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from directory import imports
from directory.models import ImportRun


class Command(BaseCommand):
    help = (
        "Importe des acteurs depuis un fichier CSV ou Excel (.xlsx) : l'export de l'annuaire "
        "(/annuaire/export.csv, modifié ou non dans un tableur) ou le stock SIRENE de l'INSEE "
        "(StockEtablissement, avec --legal-units pour StockUniteLegale). Les fiches créées sont « à valider » ; "
        "une valeur modifiée dans l'annuaire depuis le dernier import de la même source n'est pas écrasée "
        "(conflit signalé). Tout ou rien : une ligne refusée et rien n'est écrit. "
        "Exemple : import_actors StockEtablissement.csv --format sirene --legal-units StockUniteLegale.csv --dry-run"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="Le fichier : CSV (UTF-8 ou Windows-1252 ; « ; », « , » ou tabulation) ou .xlsx."
        )
        parser.add_argument(
            "--format",
            choices=ImportRun.Format.values,
            default=ImportRun.Format.EXPORT,
            dest="fmt",
            help="export (par défaut) : les colonnes de /annuaire/export.csv ; sirene : le stock SIRENE.",
        )
        parser.add_argument(
            "--source",
            default="",
            help="Nom de la source, le même à chaque import de la même source (par défaut : export ou sirene).",
        )
        parser.add_argument(
            "--legal-units",
            dest="legal_units",
            default=None,
            help="Format sirene : le fichier StockUniteLegale (dénomination, catégorie juridique, ESS).",
        )
        parser.add_argument(
            "--communes",
            default="",
            help="Format sirene : codes INSEE retenus, séparés par des virgules (par défaut : le territoire).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Tout vérifier et rapporter, sans rien écrire.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Importer les lignes valides et laisser les lignes refusées (par défaut : tout ou rien).",
        )

    def handle(self, *args, file, fmt, source, legal_units, communes, dry_run, skip_invalid, **options):
        path = self._existing(file)
        legal_units_path = self._existing(legal_units) if legal_units else None
        self.verbosity = options["verbosity"]
        self.started = time.monotonic()
        progress = self._progress if self.verbosity >= 1 and self.stdout.isatty() else None
        result = imports.import_actors(
            path=path,
            file_name=path.name,
            format=fmt,
            source=source,
            legal_units_path=legal_units_path,
            communes=[code.strip() for code in communes.split(",") if code.strip()] or None,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=progress,
        )
        if progress is not None:
            self.stdout.write("\r\033[K", ending="")
        if result.error:
            raise CommandError(result.error)
        for entry in result.lines:
            if entry["outcome"] != imports.Outcome.REFUSED and self._shown(entry, dry_run=dry_run):
                self.stdout.write(describe(entry))
        run = result.run
        seconds = max(run.counts.get("seconds", 0), 0.01)
        rate = run.counts.get("read", 0) / seconds
        title = "Aperçu, rien n'est écrit" if dry_run else "Import terminé" if result.written else "Import refusé"
        summary = (
            f"{title} — {run.file_name} (source « {run.source} ») — {imports.summary(run.counts)}. "
            f"{seconds:.1f} s ({rate:.0f} lignes/s)."
        )
        refused = result.refused_lines
        if refused and not (skip_invalid and result.written):
            verdict = "l'import serait refusé" if dry_run else "rien n'est écrit"
            lines = [f"{summary}", f"{len(refused)} ligne(s) refusée(s), {verdict} :"]
            lines += [describe(entry) for entry in refused[: imports.ERROR_MAX_LINES]]
            if run.counts.get(imports.Outcome.REFUSED, 0) > imports.ERROR_MAX_LINES:
                others = run.counts[imports.Outcome.REFUSED] - imports.ERROR_MAX_LINES
                lines.append(
                    f"… et {others} autre(s) : voyez le rapport de l'import n° {run.pk} dans l'administration."
                )
            raise CommandError("\n".join(lines))
        if refused:
            for entry in refused[: imports.ERROR_MAX_LINES]:
                self.stderr.write(describe(entry))
        if self.verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(summary))

    def _existing(self, name: str) -> Path:
        path = Path(name)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {name}")
        return path

    def _shown(self, entry: dict, *, dry_run: bool) -> bool:
        """A dry run details every line; a real run its conflicts and the lines it left out (all of them at -v 2)."""
        if self.verbosity >= 2 or (dry_run and self.verbosity >= 1):
            return True
        return self.verbosity >= 1 and bool(entry["conflicts"] or entry["outcome"] == imports.Outcome.IGNORED)

    def _progress(self, rows: int, fraction: float | None) -> None:
        elapsed = max(time.monotonic() - self.started, 0.01)
        share = f"{fraction:4.0%} — " if fraction is not None else ""
        self.stdout.write(f"\r{share}{rows:,} lignes lues ({rows / elapsed:,.0f}/s)".replace(",", " "), ending="")
        self.stdout.flush()


def describe(entry: dict) -> str:
    """One line of the report, for the terminal."""
    where = f"ligne {entry['line']}" if entry["line"] else "fichier"
    text = f"{where} : {imports.OUTCOME_LABELS[entry['outcome']]}"
    if entry["name"]:
        text += f" — « {entry['name']} »"
    if entry["outcome"] == imports.Outcome.UPDATED and entry["fields"]:
        text += " : " + ", ".join(entry["fields"])
    if entry["errors"]:
        text += " : " + " ; ".join(entry["errors"])
    for conflict in entry["conflicts"]:
        text += (
            f"\n    conflit, {conflict['field']} : « {conflict['current']} » gardé (modifié dans l'annuaire depuis "
            f"le dernier import de cette source), le fichier dit « {conflict['file']} »"
        )
    return text
