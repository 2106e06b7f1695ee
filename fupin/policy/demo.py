"""The demo county's policy (run by `fupin demo` after the registry demo):

- Hunan's provincial lines for 2017–2019 (the values fupin's national defaults carried
  before 0008, now a provincial policy version, unverified), so that the demo county
  resolves to the provincial line of those years;
- Jianghua's seven do-not-include clauses (examples compiled from the domain reference),
  the national combining rule and the key-assistance criterion, as county versions for
  2017–2020;
- the four department lists compared once over the county (a few dozen people on them:
  findings on their households, a quarter confirmed by the county office, the rest open,
  pending verification), so that the department clauses of everyone else hold;
- the village appraisal's attestations for the households of the demo village login.

Deterministic from the seed, a few seconds.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.db import connection, transaction

from fupin.accounts.models import User
from fupin.compare.models import ComparisonRun, Finding, FindingStatus, UnmatchedPerson
from fupin.compare.services import finding_set_status, run_comparison
from fupin.core.history import type_label
from fupin.core.models import ChangeRecord
from fupin.policy import seeds
from fupin.policy.models import AttestationVerdict, ExclusionAttestation, PolicySet
from fupin.policy.services import attestation_record
from fupin.registry.models import Household, Member

YEARS = range(2017, 2021)
ON_LISTS = 40  # people on each department list who are in the registry

LISTS = {
    "vehicles": (
        ["身份证号", "号牌号码", "车辆类型", "注册日期"],
        ["湘M{n:05d}", "小型轿车", "2018-05-01"],
    ),
    "real_estate": (
        ["身份证号", "房屋坐落", "建筑面积", "是否城镇"],
        ["沱江镇{n}号", "96.5", "是"],
    ),
    "business": (
        ["身份证号", "企业名称", "统一社会信用代码", "职务"],
        ["江华某商贸有限公司{n}", "91431129MA4L{n:06d}", "法定代表人"],
    ),
    "public_employees": (["身份证号", "单位", "职务"], ["县直单位{n}", "职员"]),
}


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    admin = User.objects.filter(username="admin").first()
    county_user = User.objects.filter(username="county").first()
    village_user = User.objects.filter(username="village").first()
    household = Household.objects.order_by("id").first()
    if admin is None or household is None:
        return
    county = household.village_id[:6].ljust(12, "0")
    province = household.village_id[:2].ljust(12, "0")
    seeds.seed_provincial_lines(actor=admin, province=province)
    for year in YEARS:
        if not PolicySet.objects.filter(region_id=county, year=year).exists():
            seeds.apply_example(actor=admin, name="jianghua", region=county, year=year)
    _comparisons(seed, county, county_user)
    if village_user is not None and village_user.area_id:
        _attestations(seed, village_user)
    if log:
        log(
            f"policy: provincial lines of {province}, Jianghua's clauses for {county}, "
            f"{ComparisonRun.objects.count()} comparisons, "
            f"{ExclusionAttestation.objects.count()} attestations"
        )


def _comparisons(seed: int, county: str, county_user: User | None) -> None:
    rng = random.Random(seed + 18)
    ids = list(
        Member.objects.filter(is_active=True, household__village__code__startswith=county[:6])
        .order_by("id")
        .values_list("id_number", flat=True)[:20000]
    )
    if not ids:
        return
    with tempfile.TemporaryDirectory() as tmp:
        for kind, (header, row) in LISTS.items():
            path = Path(tmp) / f"{kind}.csv"
            with path.open("w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(header)
                for n, id_number in enumerate(rng.sample(ids, min(ON_LISTS, len(ids)))):
                    w.writerow([id_number, *(v.format(n=n) for v in row)])
            run_comparison(
                actor=None, kind=kind, path=path, file_name=f"{kind}-2019.csv", area_code=county
            )
    if county_user is None:
        return
    findings = list(
        Finding.objects.filter(status=FindingStatus.OPEN, rule__startswith="EXCL_").order_by("id")
    )
    for finding in rng.sample(findings, len(findings) // 4):
        finding_set_status(
            actor=county_user,
            finding=finding,
            status=FindingStatus.CONFIRMED,
            reason="县扶贫办核实：情况属实",
        )


def _attestations(seed: int, village_user: User) -> None:
    rng = random.Random(seed + 19)
    households = Household.objects.filter(village_id=village_user.area_id).order_by("id")
    day = dt.date(2019, 10, 15)
    for h in households:
        for code in ("JH05", "JH06"):
            applies = rng.random() < 0.03
            attestation_record(
                actor=village_user,
                household=h,
                clause_code=code,
                verdict=AttestationVerdict.APPLIES if applies else AttestationVerdict.CLEAR,
                attested_on=day,
                note="村民代表大会民主评议" + ("：情况属实" if applies else "：不存在该情形"),
            )


def wipe_demo() -> None:
    """Remove the regional policy versions, comparisons and attestations (the demo is
    rebuilt whole) and their history."""
    models = (ExclusionAttestation, Finding, UnmatchedPerson, ComparisonRun)
    with transaction.atomic():
        ChangeRecord.objects.filter(
            object_type__in=[type_label(m) for m in (*models, PolicySet)]
        ).exclude(object_type=type_label(PolicySet), area_code="")._raw_delete(connection.alias)
        for model in models:
            model.objects.all()._raw_delete(connection.alias)
        PolicySet.objects.filter(region__isnull=False).delete()
