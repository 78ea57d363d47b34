"""`python manage.py erase_person EMAIL [--dry-run] [--yes]`: erase what the portal holds about a person."""

from django.core.management.base import BaseCommand, CommandError

from directory import personal_data


class Command(BaseCommand):
    help = (
        "Efface, ou anonymise quand une décision doit être gardée, ce que le portail conserve sur la personne "
        "qui a cette adresse e-mail : contacts et leur historique, contributions, revendications, compte "
        "(désactivé), liens de représentation, connexions. Les comptes de l'équipe sont refusés. "
        "Tout ou rien ; demande une confirmation sans --yes ; journalisé et gardé au registre."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="Adresse e-mail de la personne (majuscules et minuscules confondues).")
        parser.add_argument("--dry-run", action="store_true", help="Dire ce qui serait effacé, sans rien effacer.")
        parser.add_argument("--yes", action="store_true", help="Ne pas demander de confirmation.")
        parser.add_argument("--operator", default="", help=personal_data.OPERATOR_HELP)

    def handle(self, *args, email, dry_run, yes, operator, **options):
        try:
            email = personal_data.clean_email(email)
        except personal_data.PersonalDataError as exc:
            raise CommandError(str(exc)) from None
        operator = personal_data.operator_name(operator)
        records = personal_data.find_person(email)
        try:
            records.refuse_staff()
        except personal_data.PersonalDataError as exc:
            raise CommandError(str(exc)) from None
        if records.is_empty:
            self.stdout.write(f"Le portail ne conserve aucune donnée liée à l'adresse {email}.")
        else:
            self.stdout.write(f"Données liées à l'adresse {email} :")
            for line in records.erasure_plan():
                self.stdout.write(f"  {line}")
        if dry_run:
            personal_data.log_dry_run(
                action="erase_person", operator=operator, email=email, plan=records.erasure_plan()
            )
            self.stdout.write("Simulation (--dry-run) : rien n'a été effacé.")
            return
        if not yes and not records.is_empty and not self._confirmed():
            raise CommandError("Effacement annulé : rien n'a été effacé.")
        try:
            report = personal_data.erase_person(email=email, operator=operator)
        except personal_data.PersonalDataError as exc:
            raise CommandError(str(exc)) from None
        for title, bucket in (("Effacé", report.deleted), ("Anonymisé", report.anonymised)):
            for what, n in bucket.items():
                self.stdout.write(f"{title} — {what} : {n}")
        for line in report.left:
            self.stdout.write(f"Laissé — {line}")
        self.stdout.write(self.style.SUCCESS("Effacement terminé et gardé au registre."))

    def _confirmed(self) -> bool:
        try:
            answer = input("Effacer définitivement ces données ? Tapez « oui » pour confirmer : ")
        except EOFError:  # no terminal: never erase without an answer
            return False
        return answer.strip().lower() in ("oui", "o")
