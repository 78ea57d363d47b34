"""`python manage.py import_neighbourhoods FILE.geojson`: the official QPV perimeters, and who lies in them.

Reads the ANCT's perimeter file of the priority neighbourhoods (`directory.qpv`), creates or
updates the territory's neighbourhoods with their official codes, then gives each located actor
and site the neighbourhood of its commune that contains it (`projects.services.import_neighbourhoods`).
The NPNRU status stays the staff's. All or nothing: on any problem nothing is written and the
message names the feature at fault.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from directory.qpv import CODE_FIELDS, COMMUNE_FIELDS, NAME_FIELDS, FieldNames, QpvFileError, read_perimeters
from projects import services


class Command(BaseCommand):
    help = (
        "Importe le fichier officiel des périmètres des quartiers prioritaires (GeoJSON en WGS 84) : crée ou met à "
        "jour les quartiers du territoire avec leur code officiel et rattache à son quartier chaque acteur et "
        "chaque lieu localisé. Le statut NPNRU reste saisi par l'équipe."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="Fichier GeoJSON des quartiers prioritaires (ANCT).")
        parser.add_argument("--dry-run", action="store_true", help="Tout vérifier et compter, sans rien enregistrer.")
        parser.add_argument(
            "--clear-outside",
            action="store_true",
            help="Retirer de son quartier un acteur ou un lieu situé hors de tout périmètre du fichier "
            "(sinon il garde le sien).",
        )
        parser.add_argument("--code-field", help=f"Champ du code QPV (par défaut : {', '.join(CODE_FIELDS)}).")
        parser.add_argument("--name-field", help=f"Champ du nom du quartier (par défaut : {', '.join(NAME_FIELDS)}).")
        parser.add_argument(
            "--commune-field",
            help=f"Champ de la commune, code INSEE ou nom (par défaut : {', '.join(COMMUNE_FIELDS)}).",
        )

    def handle(self, *args, **options):
        path: Path = options["file"]
        fields = FieldNames(code=options["code_field"], name=options["name_field"], commune=options["commune_field"])
        try:
            qpv_file = read_perimeters(path, fields=fields)
            result = services.import_neighbourhoods(
                qpv_file=qpv_file,
                file_name=path.name,
                clear_outside=options["clear_outside"],
                dry_run=options["dry_run"],
            )
        except QpvFileError as exc:
            raise CommandError(f"Import annulé, rien n'a été enregistré. {exc}") from None
        except ValidationError as exc:
            raise CommandError(f"Import annulé, rien n'a été enregistré. {' '.join(exc.messages)}") from None
        self._report(qpv_file, result, dry_run=options["dry_run"])

    def _report(self, qpv_file, result, *, dry_run: bool):
        write = self.stdout.write
        write(
            f"{qpv_file.features} entité(s) lue(s) : {len(qpv_file.perimeters)} quartier(s) du territoire, "
            f"{qpv_file.outside} quartier(s) hors du territoire ignoré(s)."
        )
        write(
            f"Quartiers prioritaires : {len(result.created)} créé(s), {len(result.updated)} mis à jour, "
            f"{len(result.unchanged)} inchangé(s)."
        )
        for label, neighbourhoods in (("créé", result.created), ("mis à jour", result.updated)):
            for neighbourhood in neighbourhoods:
                write(f"  {neighbourhood.code} {neighbourhood.name} ({label})")
        for label, counts in (("Acteurs", result.actors), ("Lieux", result.sites)):
            write(
                f"{label} localisés : {counts.assigned} rattaché(s) à un quartier, {counts.cleared} retiré(s) de leur "
                f"quartier, {counts.unchanged} inchangé(s)."
            )
            if counts.in_other_commune:
                write(
                    self.style.WARNING(
                        f"  {counts.in_other_commune} situé(s) dans un quartier d'une autre commune que la leur : "
                        "laissé(s) tel(s) quel(s), vérifiez leur commune ou leur position."
                    )
                )
        if dry_run:
            write(self.style.WARNING("Simulation (--dry-run) : rien n'a été enregistré."))
        else:
            write(self.style.SUCCESS("Quartiers prioritaires importés."))
