"""A deterministic, visibly fictional demo directory: about 300 actors, 60 support offers, 150 cooperations.

Loaded by `python manage.py load_demo` (development only, never by migrations or in production).
Everything here is invented and says so: `is_fictional=True`, `source="demo"`, « (fictif) » in every
name and title, addresses such as « 12 rue de l'Exemple », e-mails at example.org, phone numbers in
the 01 99 00 xx xx range that ARCEP reserves for fiction, and no SIRET, SIREN or RNA number (a
made-up one could belong to a real organisation).

The same seed always gives the same data set. Loading is idempotent: actors are matched on
`source_id` (« demo:actor:17 »), offers on their slug, cooperations on (source, target, kind);
only what is missing is created, and nothing existing is changed.
"""

from directory.demo import vocabulary
from directory.demo.loader import load_directory_demo
from directory.demo.planning import plan_actors, plan_cooperations, plan_offers

__all__ = ["load_directory_demo", "plan_actors", "plan_cooperations", "plan_offers", "vocabulary"]
