from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "directory"
    verbose_name = _("Annuaire des acteurs")

    def ready(self):
        from directory.search import clear_vocabulary, register_sqlite_functions

        # SQLite compares normalised text in SQL with the same function as Python (the search's fallback).
        connection_created.connect(register_sqlite_functions, dispatch_uid="directory-sqlite-functions")

        # The search vocabulary is cached: any change to what it is read from forgets it.
        for name in ("Sector", "Label", "Commune", "Neighbourhood", "SearchSynonym"):
            model = self.get_model(name)
            post_save.connect(clear_vocabulary, sender=model, dispatch_uid=f"search-vocabulary-save-{name}")
            post_delete.connect(clear_vocabulary, sender=model, dispatch_uid=f"search-vocabulary-delete-{name}")
