"""The data migration that keys findings by the person: existing findings get the new
fingerprint, and a person's duplicate finding keeps its own instead of clashing."""

import hashlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conftest import VILLAGE

BEFORE = [("compare", "0001_initial")]
AFTER = [("compare", "0002_findings_keyed_by_person")]


def _old(rule, household_id, member_id, key):
    return hashlib.sha256(f"{rule}|{household_id}|{member_id or ''}|{key}".encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_findings_are_rekeyed_by_person_and_duplicates_kept(household, neighbour_household):
    from fupin.compare.services import fingerprint

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Finding = apps.get_model("compare", "Finding")
    Run = apps.get_model("compare", "ComparisonRun")
    Member = apps.get_model("registry", "Member")
    run = Run.objects.create(kind="vehicles", file_name="cars.xlsx", area_code=VILLAGE)
    head = Member.objects.get(household_id=household.pk)
    other = Member.objects.get(household_id=neighbour_household.pk)
    # The same person as two member rows (registered again): two findings, one record.
    again = Member.objects.create(
        **{
            f.attname: getattr(head, f.attname)
            for f in Member._meta.concrete_fields
            if f.name not in ("id",)
        }
        | {"is_active": False}
    )
    rows = [
        (household.pk, head.pk, "EXCL_VEHICLE", "湘M1"),
        (household.pk, again.pk, "EXCL_VEHICLE", "湘M1"),
        (neighbour_household.pk, other.pk, "EXCL_VEHICLE", "湘M2"),
        (household.pk, None, "EXCL_TOWN_HOUSING", "沱江镇1号"),
    ]
    made = [
        Finding.objects.create(
            household_id=h,
            member_id=m,
            run=run,
            kind="vehicles",
            rule=rule,
            key=key,
            summary=key,
            fingerprint=_old(rule, h, m, key),
        )
        for h, m, rule, key in rows
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    after = {f.pk: f.fingerprint for f in Finding.objects.all()}
    # Leave the database at the latest migrations, as the other tests expect it.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert after[made[0].pk] == fingerprint("EXCL_VEHICLE", household.pk, head.id_number, "湘M1")
    assert after[made[1].pk] == made[1].fingerprint  # the duplicate keeps its own
    assert after[made[2].pk] == fingerprint("EXCL_VEHICLE", 0, other.id_number, "湘M2")
    assert after[made[3].pk] == fingerprint("EXCL_TOWN_HOUSING", household.pk, None, "沱江镇1号")
