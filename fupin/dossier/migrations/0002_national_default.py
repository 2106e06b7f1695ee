"""Seed the national default checklist (fupin.dossier.defaults), recorded as created by
the system. A region changes it by a version of its own, never by editing these rows."""

from django.db import migrations


def seed(apps, schema_editor):
    # Lazy: the default's data, read only when the migration runs.
    from fupin.dossier import defaults

    Checklist = apps.get_model("dossier", "Checklist")
    Item = apps.get_model("dossier", "ChecklistItem")
    if Checklist.objects.filter(region__isnull=True).exists():
        return
    checklist = Checklist.objects.create(
        region=None, effective_from=defaults.EFFECTIVE_FROM, note="全国默认 (national default)"
    )
    Item.objects.bulk_create(
        Item(
            checklist=checklist,
            status=i["status"],
            document=i["document"],
            sources=i["sources"],
            order=i["order"],
        )
        for i in defaults.items()
    )


def unseed(apps, schema_editor):
    apps.get_model("dossier", "Checklist").objects.filter(region__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("dossier", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
