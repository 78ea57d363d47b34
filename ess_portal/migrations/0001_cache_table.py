"""The table of the database cache (settings.CACHES without REDIS_URL), made by `migrate` like every table.

Without it the API's throttle counts have nowhere to go: making it part of the migrations means a
new database, a restored one and the test database all have it. `createcachetable` skips tables
that exist and caches that are not in the database (Redis).
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
