"""The table of the database cache (settings.CACHES): the rate limits of the public pages
and the progress of background jobs are shared by every server process through it.
`migrate` creates it, so `make demo`, a new deployment and the test databases all have it
(the same as `manage.py createcachetable`; nothing happens when REDIS_URL selects Redis)."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
