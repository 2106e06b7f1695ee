"""The change records' area index without PostgreSQL's LIKE twin.

`db_index=True` on a CharField gives PostgreSQL a second, varchar_pattern_ops index for
LIKE; history is scoped by a range of codes and never uses it. The plain index is kept
under a name of its own (Meta.indexes). Done in SQL, index by index: Django's AlterField
would rebuild the whole table on SQLite (a copy of every change record)."""

from django.db import migrations, models

AUTO = "core_changerecord_area_code_8456af74"  # the name db_index=True gave it


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {AUTO}_like")
        schema_editor.execute(f"ALTER INDEX {AUTO} RENAME TO change_area_idx")
    else:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{AUTO}"')
        schema_editor.execute('CREATE INDEX "change_area_idx" ON "core_changerecord" ("area_code")')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX change_area_idx RENAME TO {AUTO}")
        schema_editor.execute(
            f"CREATE INDEX {AUTO}_like ON core_changerecord (area_code varchar_pattern_ops)"
        )
    else:
        schema_editor.execute('DROP INDEX IF EXISTS "change_area_idx"')
        schema_editor.execute(f'CREATE INDEX "{AUTO}" ON "core_changerecord" ("area_code")')


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_sensitiveread_count"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="changerecord",
                    name="area_code",
                    field=models.CharField(max_length=12, verbose_name="area"),
                ),
                migrations.AddIndex(
                    model_name="changerecord",
                    index=models.Index(fields=["area_code"], name="change_area_idx"),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
