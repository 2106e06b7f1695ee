"""The office a tip is routed to is required (filled in 0002)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tips", "0002_tip_routed_to"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tip",
            name="routed_to",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="geo.division",
                verbose_name="handled by",
            ),
        ),
        migrations.AddIndex(
            model_name="tip",
            index=models.Index(fields=["routed_to", "status"], name="tip_routed_status_idx"),
        ),
    ]
