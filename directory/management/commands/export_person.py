"""`python manage.py export_person EMAIL [--output FILE]`: everything the portal holds about a person, as JSON."""

import json
import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from directory import personal_data


class Command(BaseCommand):
    help = (
        "Exporte en JSON tout ce que le portail conserve sur la personne qui a cette adresse e-mail "
        "(contacts, contributions, revendications, comptes, historique), avec pour chaque donnée sa raison "
        "et sa durée de conservation. La demande est journalisée et gardée au registre (empreinte de l'adresse)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="Adresse e-mail de la personne (majuscules et minuscules confondues).")
        parser.add_argument("--output", "-o", help="Fichier JSON à écrire (UTF-8) ; sans lui, la sortie standard.")
        parser.add_argument("--operator", default="", help=personal_data.OPERATOR_HELP)

    def handle(self, *args, email, output, operator, **options):
        try:
            email = personal_data.clean_email(email)
        except personal_data.PersonalDataError as exc:
            raise CommandError(str(exc)) from None
        records = personal_data.find_person(email)
        document = json.dumps(personal_data.export_person(records), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        if output:
            self._write(Path(output), document)
        else:
            self.stdout.write(document)
        personal_data.record_export(records=records, operator=personal_data.operator_name(operator))
        summary = ", ".join(f"{what} : {n}" for what, n in records.counts().items())
        if output:
            self.stdout.write(f"Export écrit dans {output} — {summary}.")
        else:  # stdout holds the JSON document
            self.stderr.write(f"Export affiché ci-dessus — {summary}.")

    def _write(self, path: Path, document: str) -> None:
        """Write the whole file or nothing: a temporary file in the same folder, then renamed."""
        if path.is_dir():
            raise CommandError(f"« {path} » est un dossier : indiquez un nom de fichier. Rien n'a été écrit.")
        if not path.parent.is_dir():
            raise CommandError(f"Le dossier « {path.parent} » n'existe pas : rien n'a été écrit.")
        temporary = None
        try:
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=path.parent, prefix=".export-", suffix=".json", delete=False
            ) as handle:
                temporary = Path(handle.name)
                handle.write(document + "\n")
            temporary.chmod(0o600)  # personal data: readable by the operator only
            os.replace(temporary, path)
        except OSError as exc:
            if temporary is not None:
                temporary.unlink(missing_ok=True)
            raise CommandError(f"Impossible d'écrire « {path} » ({exc.strerror}) : rien n'a été écrit.") from None
