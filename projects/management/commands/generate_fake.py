"""`python manage.py generate_fake --actors N --initiatives M --seed S`: fictional data at national scale.

For benchmarks and load tests: fills the database with deterministic, visibly fictional actors
across many communes, their offers and cooperations, and initiatives with their children (see
`directory.fake` and `projects.fake` for what is drawn and why). Development only: refuses to run
with DEBUG off unless `--force`.

Rows go through the project's bulk path (`directory.bulk`): COPY on PostgreSQL, batched inserts on
SQLite, each row with its creation record in the history. On PostgreSQL the whole run is one
transaction that also sets the GIN/GiST indexes of the tables aside and builds them again at the end
(the actors' search vector is computed by its own trigger as rows are copied): an error or Ctrl-C
rolls everything back, the schema included. The tables written are locked against other writers for
the duration (readers wait only while the actor table's indexes are being rebuilt).
"""

import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, transaction

from directory import bulk
from directory.fake import COMMON_TERM, MAX_FICTIONAL_COMMUNES, SELECTIVE_TERM, DirectoryFaker
from directory.models import Sector
from directory.search import clear_vocabulary
from projects.fake import InitiativeFaker


class Command(BaseCommand):
    help = (
        "Remplit la base de données fictives déterministes (acteurs, communes, offres, coopérations, projets "
        "et leurs jalons, indicateurs, financements…) pour les mesures de performance. Développement "
        f"seulement (DEBUG=1) sauf --force. Mots de recherche prévus : « {COMMON_TERM} » (environ un tiers "
        f"des acteurs) et « {SELECTIVE_TERM} » (moins d'un acteur sur mille)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--actors", type=int, default=1000, help="Nombre d'acteurs (1000 par défaut).")
        parser.add_argument(
            "--initiatives", type=int, default=None, help="Nombre de projets (un pour 12 acteurs par défaut)."
        )
        parser.add_argument("--seed", type=int, default=1, help="Graine du tirage : même graine, mêmes données.")
        parser.add_argument(
            "--communes",
            type=int,
            default=300,
            help=(
                f"Communes fictives en plus des neuf du territoire (300 par défaut, {MAX_FICTIONAL_COMMUNES} au plus)."
            ),
        )
        parser.add_argument(
            "--offers", type=int, default=None, help="Offres d'accompagnement (une pour 25 acteurs par défaut)."
        )
        parser.add_argument(
            "--cooperations", type=int, default=None, help="Coopérations (trois pour cinq acteurs par défaut)."
        )
        parser.add_argument(
            "--force", action="store_true", help="S'exécuter même avec DEBUG désactivé (base de mesure dédiée)."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Alias de la base (default par défaut).")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "generate_fake ne s'exécute qu'en développement (DEBUG=1) : ajoutez --force pour remplir "
                "une base de mesure dédiée. Les données fictives ne doivent jamais aller en production."
            )
        actors = options["actors"]
        counts = {
            "actors": actors,
            "initiatives": options["initiatives"] if options["initiatives"] is not None else actors // 12,
            "communes": options["communes"],
            "offers": options["offers"] if options["offers"] is not None else actors // 25,
            "cooperations": options["cooperations"] if options["cooperations"] is not None else actors * 3 // 5,
        }
        labels = {
            "actors": "--actors",
            "initiatives": "--initiatives",
            "communes": "--communes",
            "offers": "--offers",
            "cooperations": "--cooperations",
        }
        for key, value in counts.items():
            if value < 0:
                raise CommandError(f"{labels[key]} doit être un nombre positif ou nul (reçu : {value}).")
        if counts["communes"] > MAX_FICTIONAL_COMMUNES:
            raise CommandError(f"--communes : {MAX_FICTIONAL_COMMUNES} communes fictives au plus.")
        if options["seed"] < 0:
            raise CommandError(f"--seed doit être un nombre positif ou nul (reçu : {options['seed']}).")
        using = options["database"]
        if not Sector.objects.using(using).exists():
            raise CommandError("Les vocabulaires de référence manquent : lancez d'abord « manage.py migrate ».")
        try:
            self._generate(counts, seed=options["seed"], using=using)
        except KeyboardInterrupt:
            raise CommandError("Interrompu : rien n'a été enregistré, la base est restée telle quelle.") from None
        # The search vocabulary names communes: forget it (the data version follows the writes by itself).
        clear_vocabulary()

    def _phase(self, label: str, started: float, detail: str = "") -> float:
        now = time.monotonic()
        self.stdout.write(f"{label} : {detail}{' — ' if detail else ''}{now - started:.1f} s")
        return now

    def _generate(self, counts: dict[str, int], *, seed: int, using: str) -> None:
        started = clock = time.monotonic()
        rng = random.Random(seed)
        with transaction.atomic(using=using):
            with bulk.BulkWriter(using=using) as writer:
                directory = DirectoryFaker(seed=seed, writer=writer, rng=rng)
                projects = InitiativeFaker(seed=seed, writer=writer, pools=directory.pools, rng=rng)
                written = [*directory.models, *projects.models]
                tables = sorted({model._meta.db_table for model in written})
                bulk.lock_tables(written, using=using)
                with bulk.deferred_search_indexes(tables, using=using) as set_aside:
                    clock = self._phase("Préparation", clock, f"index mis de côté : {', '.join(set_aside) or 'aucun'}")
                    created = directory.communes(counts["communes"])
                    writer.close()
                    clock = self._phase("Communes", clock, f"{created} créées")

                    def progress(n: int) -> None:
                        self.stdout.write(f"  … {n} acteurs ({time.monotonic() - clock:.0f} s)")

                    directory.actors(counts["actors"], progress=progress)
                    writer.close()
                    clock = self._phase("Acteurs", clock, f"{counts['actors']} avec leurs liens et leur historique")
                    offers = directory.offers(counts["offers"])
                    writer.close()
                    clock = self._phase("Offres d'accompagnement", clock, str(offers))
                    links = directory.cooperations(counts["cooperations"])
                    writer.close()
                    clock = self._phase("Coopérations", clock, str(links))
                    initiatives = projects.write(counts["initiatives"])
                    writer.close()
                    clock = self._phase("Projets", clock, f"{initiatives} avec jalons, indicateurs, financements…")
                    bulk.check_foreign_keys(using=using)
                    clock = self._phase("Clés étrangères vérifiées", clock)
                clock = self._phase("Index reconstruits", clock, ", ".join(set_aside) or "aucun")
                bulk.reset_sequences(written, using=using)
            clock = self._phase("Validation des contraintes et enregistrement", clock)
        bulk.analyze(tables, using=using)
        clock = self._phase("Statistiques (ANALYZE)", clock)
        rows = sum(writer.counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Données fictives générées : {rows} lignes dans {len(writer.counts)} tables, "
                f"graine {seed}, {time.monotonic() - started:.1f} s en tout."
            )
        )
        self.stdout.write(f"Recherche : « {COMMON_TERM} » (fréquent), « {SELECTIVE_TERM} » (rare).")
