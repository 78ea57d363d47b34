"""Create an API token for a partner organisation and print its secret (shown only this once)."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from directory import services
from directory.models import Actor, ApiToken


class Command(BaseCommand):
    help = (
        "Crée un jeton d'API pour une organisation partenaire (désignée par l'identifiant d'URL de sa fiche) "
        "et affiche le secret, une seule fois. "
        "Exemple : create_api_token mon-partenaire --scope read:unpublished --scope write:actors "
        "--name « synchro nocturne » --expires 2027-06-30"
    )

    def add_arguments(self, parser):
        parser.add_argument("actor_slug", help="Identifiant d'URL de l'organisation partenaire (sa fiche d'acteur).")
        parser.add_argument(
            "--scope",
            action="append",
            default=[],
            dest="scopes",
            help="Droit accordé, répétable : " + ", ".join(ApiToken.Scope.values) + ".",
        )
        parser.add_argument("--name", default="", help="Nom du jeton, pour s'y retrouver (par défaut : la date).")
        parser.add_argument(
            "--expires",
            default=None,
            help="Dernier jour de validité, AAAA-MM-JJ (inclus, heure de Paris). Sans date : pas d'expiration.",
        )

    def handle(self, *args, actor_slug, scopes, name, expires, **options):
        try:
            organisation = Actor.objects.get(slug=actor_slug)
        except Actor.DoesNotExist:
            raise CommandError(f"Aucun acteur n'a l'identifiant d'URL « {actor_slug} ».") from None

        unknown = sorted(set(scopes) - set(ApiToken.Scope.values))
        if unknown:
            raise CommandError(
                f"Droit inconnu : {', '.join(unknown)}. Droits possibles : {', '.join(ApiToken.Scope.values)}."
            )

        expires_at = None
        if expires:
            try:
                day = date.fromisoformat(expires)
            except ValueError:
                raise CommandError(f"Date d'expiration illisible « {expires} » : attendu AAAA-MM-JJ.") from None
            expires_at = services.token_expiry(day)

        name = name.strip() or f"Jeton du {timezone.localdate().isoformat()}"
        try:
            token, secret = services.create_api_token(
                organisation=organisation, name=name, scopes=scopes, expires_at=expires_at
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None

        scope_list = ", ".join(token.scopes) or "lecture publique seulement"
        expiry = f"valable jusqu'au {expires}" if expires else "sans expiration"
        self.stdout.write(
            f"Jeton « {token.name} » créé pour {organisation.name} (préfixe {token.prefix}, droits : {scope_list}, "
            f"{expiry}). Copiez-le maintenant, il ne sera plus affiché :"
        )
        self.stdout.write(secret)
