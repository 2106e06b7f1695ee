"""Findings about a person are keyed by the person's ID number, no longer by the member
row: recompute the fingerprints of existing findings. Where a person already has two
findings for the same department record (registered again as a new member row), the
oldest takes the new fingerprint and the later ones keep theirs, so nothing is lost."""

import hashlib

from django.db import migrations


def _print(rule, household_id, id_number, key):
    who = f"id:{id_number.upper()}" if id_number else f"household:{household_id}"
    return hashlib.sha256(f"{rule}|{who}|{key}".encode()).hexdigest()


def rekey(apps, schema_editor):
    Finding = apps.get_model("compare", "Finding")
    taken = set()
    batch = []
    rows = (
        Finding.objects.order_by("id")
        .values_list("id", "rule", "household_id", "member__id_number", "key", "fingerprint")
        .iterator(chunk_size=5000)
    )
    for pk, rule, household_id, id_number, key, old in rows:
        new = _print(rule, household_id, id_number, key)
        if new in taken:
            taken.add(old)
            continue
        taken.add(new)
        if new != old:
            batch.append(Finding(pk=pk, fingerprint=new))
    # Two passes, so that no new fingerprint meets an old one still in place.
    for f in batch:
        f.fingerprint, f.final = "~" + f.fingerprint[1:], f.fingerprint
    Finding.objects.bulk_update(batch, ["fingerprint"], batch_size=2000)
    for f in batch:
        f.fingerprint = f.final
    Finding.objects.bulk_update(batch, ["fingerprint"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("compare", "0001_initial"), ("registry", "0002_drop_indexes_covered_by_composites")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
