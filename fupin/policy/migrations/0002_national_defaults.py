"""The national default policy sets, 2013–2026.

Income lines (yuan per person per year, current prices) as used for identification and
exit; from 2021 the monitoring threshold against falling back into poverty. Sources are
those of fupin/quality/lines.py (DOMAIN.md §2, §5). Provinces and counties add their own
versions through the policy pages; these rows are only the national starting point.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

LINES = {
    2013: "2736",
    2014: "2800",
    2015: "2855",
    2016: "2952",
    2017: "3335",
    2018: "3535",
    2019: "3747",
    2020: "4000",
}
MONITORING_THRESHOLD = "6000"
EXCLUSIONS = [
    {"code": code, "trigger": code}
    for code in ("EXCL_VEHICLE", "EXCL_TOWN_HOUSING", "EXCL_PUBLIC_EMPLOYEE", "EXCL_BUSINESS")
]


def forwards(apps, schema_editor):
    PolicySet = apps.get_model("policy", "PolicySet")
    for year in range(2013, 2027):
        if PolicySet.objects.filter(region__isnull=True, year=year).exists():
            continue
        after = year > 2020
        PolicySet.objects.create(
            region=None,
            year=year,
            version=1,
            effective_from=dt.date(year, 1, 1),
            income_line=Decimal(MONITORING_THRESHOLD if after else LINES[year]),
            monitoring_threshold=Decimal(MONITORING_THRESHOLD) if after else None,
            notice_days=7,
            appeal_days=15,
            exclusions=EXCLUSIONS,
            note="national default",
        )


def backwards(apps, schema_editor):
    apps.get_model("policy", "PolicySet").objects.filter(
        region__isnull=True, version=1, note="national default"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
