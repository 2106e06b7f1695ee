"""The national defaults, version 2: national lines with their source, exclusion clauses
that say how they are decided, and the national combining rule.

Version 1 (0002) carried 3335, 3535 and 3747 for 2017–2019: those are provincial exit
lines (DOMAIN.md §2: 3535 is Guizhou's 2018 exit line; 3335 and 3747 are [U]), not the
national line. Version 2 of every national year carries the statistics bureau's national
value where the domain reference gives one, and otherwise the best value known, marked
unverified with the source saying why. A province's own line is a provincial policy
version (fupin.policy.seeds: the demo county's province, Hunan).

Version 1 is not changed, except that it now names what it did: income under the line OR a
failed guarantee (the 1+N rule with N = 1 over all six conditions), department clauses.
Version 2 follows the national identification rule (income is the basic ground, the
guarantees are weighed: fupin.policy.clauses COMBINING). It takes effect on the same day as
version 1, so it is the one in force for the whole year.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

DOMAIN = "DOMAIN.md §2"
# year: (yuan, verified, source)
NATIONAL_LINES = {
    2013: (
        "2736",
        True,
        "2013 national line (2300 yuan at 2010 prices), used for the 2014 建档立卡 "
        "identification: http://ogasy.com/shenghuobaike/57038.html (reprint; " + DOMAIN + ")",
    ),
    2014: ("2800", True, "national line 2014: https://wzkpw.com/sh/gl19z5.html (" + DOMAIN + ")"),
    2015: (
        "2855",
        True,
        "national line 2015: https://360docs.net/doc/0026506379.html (" + DOMAIN + ")",
    ),
    2016: (
        "2952",
        False,
        "national line 2016 [U]: one site gives only 约3000 "
        "(https://m.tuliu.com/wnews/read-81039.html; " + DOMAIN + ")",
    ),
    2017: (
        "2952",
        False,
        "no national (NBS) value found for 2017 [U] (" + DOMAIN + ", §7): the 2016 value is "
        "kept, as Honghe's 2017 campaign used 2,952 (DESIGN.md §4). 3335, carried by version "
        "1, looks like a provincial exit line.",
    ),
    2018: (
        "2995",
        False,
        "NBS 2995 [U] (" + DOMAIN + "); 3535, carried by version 1, is Guizhou's provincial "
        "exit line (https://www.allen-un.com/item/aOTNmOTgwM2Y0NDEwNTJlMGU1NmY1NTQxl.html).",
    ),
    2019: (
        "3218",
        True,
        "NBS national line 2019, current prices: https://wzkpw.com/sh/gl19z5.html ("
        + DOMAIN
        + "); 3747, carried by version 1, looks like a provincial exit line [U].",
    ),
    2020: (
        "4000",
        False,
        "≈4000: the exit line stated by 刘永富 "
        "(https://99.wendadaohang.com/zd/WjtWWWvtjttv7WXOzOt.html); no NBS value (" + DOMAIN + ")",
    ),
    2021: (
        "6000",
        True,
        "monitoring threshold 6000 (1.5 × the old line): "
        "http://www.jingbian.gov.cn/zwgk/zcjd/wzjd/1496737812254937089.html (DOMAIN.md §5)",
    ),
}
LATER = (
    "6000",
    False,
    "the 2021 monitoring threshold carried forward: provinces set it each year "
    "(DOMAIN.md §5); no national value.",
)
OLD_LINES = {2017: "3335", 2018: "3535", 2019: "3747"}
EXCLUSIONS = [
    {"code": code, "kind": "department", "rule": code}
    for code in ("EXCL_VEHICLE", "EXCL_TOWN_HOUSING", "EXCL_PUBLIC_EMPLOYEE", "EXCL_BUSINESS")
]
CONDITIONS = [
    "food_secure",
    "clothing_secure",
    "education_secured",
    "medical_secured",
    "housing_secured",
    "water_secured",
]
NOTE = "national default v2: sourced national line, national combining rule (migration 0008)"


def forwards(apps, schema_editor):
    PolicySet = apps.get_model("policy", "PolicySet")
    for year in range(2013, 2027):
        rows = list(PolicySet.objects.filter(region__isnull=True, year=year).order_by("-version"))
        if not rows or rows[0].version != 1 or rows[0].note != "national default":
            continue  # changed since 0002 (or never made): the administrator's to keep
        v1 = rows[0]
        value, verified, source = NATIONAL_LINES.get(year, LATER)
        v1.combining = {"rule": "one_plus_n", "n": 1, "conditions": CONDITIONS}
        v1.exclusions = EXCLUSIONS
        if year in OLD_LINES:
            v1.income_line_source = (
                "version 1 (0002): a provincial exit line [U], not the national line; "
                "superseded by version 2"
            )
        else:
            v1.income_line_source, v1.income_line_verified = source, verified
        v1.save()
        v1.pk = None
        v1.version = 2
        v1.income_line = Decimal(value)
        v1.income_line_source, v1.income_line_verified = source, verified
        v1.combining = {"rule": "national"}
        v1.note = NOTE
        v1.effective_from = dt.date(year, 1, 1)
        v1.created_at = timezone.now()
        v1.save()


def backwards(apps, schema_editor):
    apps.get_model("policy", "PolicySet").objects.filter(
        region__isnull=True, version=2, note=NOTE
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0007_exclusion_kinds")]

    operations = [migrations.RunPython(forwards, backwards)]
