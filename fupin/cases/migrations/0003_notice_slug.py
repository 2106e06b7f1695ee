"""Public notices are reached by an unguessable slug instead of their id: existing
notices get one each (added nullable, filled row by row, then made unique)."""

import secrets

from django.db import migrations, models

import fupin.cases.models


def fill_slugs(apps, schema_editor):
    Notice = apps.get_model("cases", "Notice")
    for notice in Notice.objects.filter(slug__isnull=True).only("pk").iterator():
        Notice.objects.filter(pk=notice.pk).update(slug=secrets.token_urlsafe(16))


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_alter_case_kind_alter_casebatch_kind")]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="slug",
            field=models.CharField(max_length=32, null=True, editable=False),
        ),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notice",
            name="slug",
            field=models.CharField(
                default=fupin.cases.models.new_notice_slug,
                editable=False,
                max_length=32,
                unique=True,
                verbose_name="public link",
            ),
        ),
    ]
