"""Demo contact points of the demo county (Jianghua), deterministic from the seed and the
day it runs (reports are cut at today).

- Rules of the county: a leader linked to a township owes one visit a quarter, one linked
  to a village two a quarter (三层联系: county leaders to townships, section-level cadres
  to villages).
- Every township gets a county-level leader (a county-level cadre of the assistance
  demo, round robin; section-level ones where there are too few), from January of last
  year; each township's first village with households gets a section-level leader.
- Reports: one (villages two) in each quarter of the link up to today, on a random day of
  the quarter, with the place, what was done, problems found and solved. About one link
  in five has skipped the current quarter's visit, and one in ten missed an earlier one,
  so the overdue list has rows in both views.

Written through the services (a few hundred rows: about a second), each change recorded.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from fupin.assistance.choices import Rank
from fupin.assistance.models import Cadre
from fupin.core.history import type_label
from fupin.core.models import ChangeRecord
from fupin.geo.models import Division, Level
from fupin.leaders import rules, services
from fupin.leaders.choices import Period, Target
from fupin.leaders.models import ContactLink, ContactReport, ContactRule
from fupin.registry.models import Household

COUNTY = "431129000000"
REASON = "demo"

PLACES = ["政府", "村委会", "扶贫车间", "脱贫户家中"]
CONTENT = [
    "召开乡镇脱贫攻坚调度会，听取驻村工作队工作汇报",
    "走访慰问脱贫户和监测对象，了解“两不愁三保障”落实情况",
    "督导产业扶贫项目建设进度，查看扶贫车间用工情况",
    "检查防返贫动态监测工作，核对监测对象帮扶措施",
    "调研村集体经济发展，协调解决项目用地问题",
]
FOUND = [
    "部分监测户帮扶措施针对性不强",
    "个别脱贫户饮水管网老化，供水不稳定",
    "产业项目资金拨付进度偏慢",
    "一户一档资料更新不及时",
    "",
]
SOLVED = [
    "协调水利局安排资金更换供水管网",
    "督促乡镇加快项目资金拨付",
    "现场交办驻村工作队补齐档案资料",
    "为两户监测对象落实公益性岗位",
    "",
]


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    county = Division.objects.filter(code=COUNTY).first()
    if county is None or not Cadre.objects.in_area(COUNTY[:6]).exists():
        if log:
            log("Leaders demo skipped: no demo county or no cadres.")
        return
    rng = random.Random(f"leaders-{seed}")
    with transaction.atomic():
        links, reports = _build(rng)
    if log:
        log(f"Leaders demo: {links} contact links, {reports} visit reports.")


def _leaders(rank: str, n: int, taken: set[int]) -> list[Cadre]:
    qs = Cadre.objects.in_area(COUNTY[:6]).filter(active=True).exclude(pk__in=taken)
    found = list(qs.filter(rank=rank).order_by("pk")[:n])
    if len(found) < n:
        more = qs.filter(rank=Rank.SECTION).exclude(pk__in=[c.pk for c in found]).order_by("pk")
        found += list(more[: n - len(found)])
    return found


def _build(rng: random.Random) -> tuple[int, int]:
    today = timezone.localdate()
    since = dt.date(today.year - 1, 1, 1)
    for target, visits in ((Target.TOWNSHIP, 1), (Target.VILLAGE, 2)):
        services.rule_save(
            actor=None,
            region_code=COUNTY,
            target=target,
            period=Period.QUARTER,
            visits_required=visits,
            reason=REASON,
        )
    townships = list(
        Division.objects.in_area(COUNTY[:6]).filter(level=Level.TOWNSHIP).order_by("code")
    )
    taken: set[int] = set()
    heads = _leaders(Rank.COUNTY, len(townships), taken)
    taken |= {c.pk for c in heads}
    seconds = _leaders(Rank.SECTION, len(townships), taken)
    links: list[ContactLink] = []
    for n, township in enumerate(townships):
        if heads:
            links.append(
                services.link_create(
                    actor=None,
                    leader=heads[n % len(heads)],
                    area_code=township.code,
                    start_date=since,
                    duties="县级领导联系乡镇，指导脱贫攻坚和防返贫监测",
                    reason=REASON,
                )
            )
        village = (
            Household.objects.in_area(township.prefix)
            .order_by("village_id")
            .values_list("village_id", flat=True)
            .first()
        )
        if village and n < len(seconds):
            start = since + dt.timedelta(days=rng.randint(0, 120))
            links.append(
                services.link_create(
                    actor=None,
                    leader=seconds[n],
                    area_code=village,
                    start_date=start,
                    duties="科级干部联系村，督导驻村帮扶",
                    reason=REASON,
                )
            )
    reports = 0
    for link in links:
        per = 1 if link.area.level == Target.TOWNSHIP else 2
        lax_now = rng.random() < 0.2
        day = rules.period_of(Period.QUARTER, link.start_date)[0]
        while day <= today:
            start, end = rules.period_of(Period.QUARTER, day)
            current = start <= today <= end
            skip = (lax_now and current) or (not current and rng.random() < 0.1)
            for _k in range(per if not skip else rng.randint(0, per - 1)):
                lo = max(start, link.start_date)
                hi = min(end, today)
                if hi < lo:
                    continue
                when = lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))
                services.report_record(
                    actor=None,
                    link=link,
                    date=when,
                    place=link.area.name + rng.choice(PLACES),
                    content=rng.choice(CONTENT),
                    problems_found=rng.choice(FOUND),
                    problems_solved=rng.choice(SOLVED),
                )
                reports += 1
            day = end + dt.timedelta(days=1)
    return len(links), reports


MODELS = (ContactReport, ContactLink, ContactRule)


def wipe_demo() -> None:
    """Remove the contact system's rows and their change records (demo databases only)."""
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=[type_label(m) for m in MODELS]).delete()
        for model in MODELS:
            model.objects.all().delete()
