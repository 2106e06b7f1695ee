"""A tip is routed to the level above its subject (issue 14): existing tips go to the
division above their area (a village's township, a township's county). The field
becomes required in the next migration (its own transaction: PostgreSQL does not alter a
table with pending deferred foreign-key checks)."""

import django.db.models.deletion
from django.db import migrations, models


def route_existing(apps, schema_editor):
    Tip = apps.get_model("tips", "Tip")
    Division = apps.get_model("geo", "Division")
    parents = dict(Division.objects.values_list("code", "parent_id"))
    for tip in Tip.objects.only("pk", "area_id").iterator():
        routed = parents.get(tip.area_id) or tip.area_id
        Tip.objects.filter(pk=tip.pk).update(routed_to_id=routed)


class Migration(migrations.Migration):
    dependencies = [
        ("geo", "0001_initial"),
        ("tips", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="tip",
            name="routed_to",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="geo.division",
                verbose_name="handled by",
            ),
        ),
        migrations.RunPython(route_existing, migrations.RunPython.noop),
    ]
