"""The change records' user without a foreign-key constraint in the database (see the
model): PostgreSQL checked it for every record at commit. Done in SQL on PostgreSQL only;
Django's AlterField would rebuild the whole table on SQLite, whose per-row check is cheap
and stays until the table is next rebuilt."""

from django.conf import settings
from django.db import migrations, models

CONSTRAINTS = (
    "SELECT conname FROM pg_constraint "
    "WHERE conrelid = 'core_changerecord'::regclass AND contype = 'f'"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(CONSTRAINTS)
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f'ALTER TABLE core_changerecord DROP CONSTRAINT "{name}"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE core_changerecord ADD CONSTRAINT "
        '"core_changerecord_user_id_11a3a940_fk_accounts_user_id" '
        "FOREIGN KEY (user_id) REFERENCES accounts_user (id) DEFERRABLE INITIALLY DEFERRED"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_changerecord_area_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="changerecord",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
