"""Cases carry their household's village (the case lists' index by area): added empty,
filled from the households in one statement, then required."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_villages(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Household = apps.get_model("registry", "Household")
    Case.objects.update(
        village_id=Subquery(
            Household.objects.filter(pk=OuterRef("household_id")).values("village_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_case_opened_idx"),
        ("geo", "0001_initial"),
        ("registry", "0003_status_default_candidate"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="village",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="geo.division",
                verbose_name="village",
            ),
        ),
        migrations.RunPython(fill_villages, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="case",
            name="village",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="geo.division",
                verbose_name="village",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["village", "opened_at"], name="case_village_idx"),
        ),
    ]
