"""Demo data of assistance (帮扶) for the demo registry of Jianghua county.

Built after `fupin.registry.demo` (and the monitoring demo), deterministic from the seed
and the day it runs (visits are cut at today; every household draws its own visits from
its own random stream, so the visits before a day are the same whichever day it runs):

- **cadres** (帮扶责任人) of the county departments and units that back each village
  (后盾单位), of the township governments, schools and health centres, and village
  cadres, with ranks, posts and phones; about 3 households each (Jianghua: 8,996 cadres
  for 28,000 households, at most 5 each), within the rank quotas of the assistance
  policy (county-level 2 key + 2 contact, section-level 1 key + 2 contact);
- **pairings** for about 95% of the households to be assisted (in poverty, exited,
  returned, monitored), key households (in poverty, returned, monitored) with a key
  pairing, starting a few weeks after the household was registered (not before the
  2015–2016 pairing campaign); current today (assistance continues after exit);
- **visits** recorded from 2019: the year-end accounts visit (年终算账) each December
  until 2025, one in each of the first two quarters of 2026, then monthly from August
  2026 as the policy's 30-day interval requires (and a first visit to make the plan for
  pairings begun since 2019). Monthly visits over all eight years would be ≈2.4 million
  rows and as many change records: minutes, not seconds, so earlier years keep the one
  visit that counts for each year's visit coverage and the year-end compliance;
  3–15% of the pairings (by township: some are laxer) are under-visited (visits
  skipped), 2% stop being visited in 2026;
- **measures** delivered (industry, employment, public-welfare jobs, education and
  medical aid, housing, relocation, micro-credit, insurance, solar, forest rangers,
  subsistence, training, donations) matching each household's main cause, with the
  providing unit and amounts in the range of the county's schemes;
- a **resident work team** (驻村工作队) for every poor village since 2021, its members'
  dated terms: three of its backing unit until the rotation (期满轮换), then the current
  members from several units (a first secretary 第一书记 now and then from the province
  or the prefecture, a leader apart from the first secretary in about a third), 8% of
  the teams past the yearly rotation and 7% below three members after a recall;
- a **village plan** (一村一策) for every poor village and **household plans** (一户一法)
  for the households of the demo "cadre" login's village and about 2% of the others.

The demo login `cadre` is linked to a section-level cadre of its unit with three households
(one key, two contact) in its village.

Everything is written in bulk (`fupin.core.bulk`) in one transaction, each created row
with its change record, built the way `fupin.registry.demo.change_record` builds them
(same snapshot, same labels). Through the services the ≈25,000 pairings and their visits
would take many minutes. `wipe_demo` removes every assistance row the demo writes and
their change records, so the registry wipe that follows meets no protected foreign key.
"""

from __future__ import annotations

import datetime as dt
import random
import time as timer
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from fupin.accounts.models import User
from fupin.assistance import choices as c
from fupin.assistance.models import (
    Cadre,
    HouseholdPlan,
    Measure,
    Pairing,
    TeamMembership,
    VillagePlan,
    Visit,
    WorkTeam,
)
from fupin.core import context
from fupin.core.bulk import Ids, analyze, bulk_insert, reset_sequences
from fupin.core.history import bulk_record, creation_record, type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.geo.models import Division, Level, VillageProfile
from fupin.registry.choices import HouseholdStatus as S
from fupin.registry.choices import PovertyCause as P
from fupin.registry.demo import (
    DEMO_ACTOR,
    GIVEN_FEMALE,
    GIVEN_MALE,
    HAN_SURNAMES,
    TZ,
    YAO_SURNAMES,
    _phone,
    _pick,
)
from fupin.registry.models import Household

DEMO_REASON = "demo assistance"
VISIT_LABEL = type_label(Visit)
HOUSEHOLD_LABEL = type_label(Household)
Log = Callable[[str], None] | None

ELIGIBLE = (S.POOR, S.EXITED, S.RETURNED, S.MONITORED)
KEY_STATUSES = (S.POOR, S.RETURNED, S.MONITORED)
PAIRED_SHARE = 0.95
UNDER_VISITED_SHARE = (0.03, 0.15)  # by township: some are laxer than others
STOPPED_SHARE = 0.02  # not visited any more after mid-2026
VISITS_FROM = dt.date(2019, 1, 1)
MONTHLY_FROM = dt.date(2026, 8, 1)
CAMPAIGN = dt.date(2015, 10, 1)  # the pairing campaign (结对帮扶全覆盖), 2015–2016
PLAN_SHARE = 0.02

CADRE_LOGIN_UNIT = "江华瑶族自治县农业农村局"  # the unit `create_users` gives the login
_C = "江华瑶族自治县"
BACKING_UNITS = [
    f"{_C}{u}"
    for u in (
        "县委办公室",
        "人民政府办公室",
        "委组织部",
        "委宣传部",
        "委统战部",
        "纪委监委",
        "发展和改革局",
        "财政局",
        "教育局",
        "卫生健康局",
        "民政局",
        "人力资源和社会保障局",
        "住房和城乡建设局",
        "交通运输局",
        "水利局",
        "农业农村局",
        "林业局",
        "自然资源局",
        "商务局",
        "文化旅游广电体育局",
        "市场监督管理局",
        "医疗保障局",
        "应急管理局",
        "审计局",
        "统计局",
        "乡村振兴局",
        "公安局",
        "人民法院",
        "人民检察院",
        "总工会",
        "妇女联合会",
        "残疾人联合会",
        "供销合作社",
        "人民医院",
        "中医医院",
        "第一中学",
        "农村商业银行",
    )
] + ["永州市财政局", "永州市自然资源和规划局", "国网江华瑶族自治县供电公司"]
POSTS = {
    c.Rank.COUNTY: ["副县长", "局长", "党组书记"],
    c.Rank.SECTION: ["副局长", "股长", "党委副书记", "副镇长", "办公室主任"],
    c.Rank.ORDINARY: ["科员", "干部", "办事员", "专干"],
    c.Rank.VILLAGE: ["村支书", "村主任", "村委委员", "村扶贫专干"],
    c.Rank.TEACHER: ["教师", "班主任"],
    c.Rank.MEDICAL: ["医生", "护士", "乡村医生"],
}
# (rank, kinds of unit) weights for a cadre of a village's backing unit / township.
BACKING_RANKS = {c.Rank.COUNTY: 3, c.Rank.SECTION: 25, c.Rank.ORDINARY: 72}
LOCAL_RANKS = {
    c.Rank.SECTION: 12,
    c.Rank.ORDINARY: 48,
    c.Rank.TEACHER: 16,
    c.Rank.MEDICAL: 9,
    c.Rank.VILLAGE: 15,
}
QUOTA = {c.Rank.COUNTY: (2, 2), c.Rank.SECTION: (1, 2)}  # (key, contact); others contact

M = c.MeasureKind
# kind: (amount range in yuan, provider)
MEASURES = {
    M.INDUSTRY: ((1_000, 5_000), f"{_C}农业农村局"),
    M.EMPLOYMENT: ((500, 1_500), f"{_C}人力资源和社会保障局"),
    M.WELFARE_JOB: ((6_000, 9_600), f"{_C}人力资源和社会保障局"),
    M.EDUCATION: ((1_000, 5_000), f"{_C}教育局"),
    M.MEDICAL: ((500, 20_000), f"{_C}医疗保障局"),
    M.HOUSING: ((15_000, 40_000), f"{_C}住房和城乡建设局"),
    M.RELOCATION: ((40_000, 100_000), f"{_C}发展和改革局"),
    M.MICRO_CREDIT: ((30_000, 50_000), f"{_C}农村商业银行"),
    M.INSURANCE: ((100, 300), "中国人民财产保险股份有限公司江华支公司"),
    M.SOLAR: ((1_000, 3_000), f"{_C}发展和改革局"),
    M.FOREST_RANGER: ((10_000, 10_000), f"{_C}林业局"),
    M.SUBSISTENCE: ((3_000, 6_000), f"{_C}民政局"),
    M.TRAINING: ((0, 500), f"{_C}人力资源和社会保障局"),
    M.DONATION: ((200, 2_000), f"{_C}慈善总会"),
}
BASE_WEIGHTS = {
    M.INDUSTRY: 30,
    M.EMPLOYMENT: 18,
    M.WELFARE_JOB: 6,
    M.EDUCATION: 6,
    M.MEDICAL: 6,
    M.HOUSING: 4,
    M.RELOCATION: 1,
    M.MICRO_CREDIT: 6,
    M.INSURANCE: 8,
    M.SOLAR: 3,
    M.FOREST_RANGER: 2,
    M.SUBSISTENCE: 3,
    M.TRAINING: 8,
    M.DONATION: 2,
}
CAUSE_MEASURE = {
    P.ILLNESS: M.MEDICAL,
    P.DISABILITY: M.SUBSISTENCE,
    P.SCHOOLING: M.EDUCATION,
    P.LACK_LABOUR: M.WELFARE_JOB,
    P.LACK_FUNDS: M.MICRO_CREDIT,
    P.LACK_SKILLS: M.TRAINING,
    P.DISASTER: M.HOUSING,
    P.LACK_LAND: M.EMPLOYMENT,
    P.LACK_WATER: M.INDUSTRY,
    P.POOR_TRANSPORT: M.RELOCATION,
    P.LACK_MOTIVATION: M.EMPLOYMENT,
}
MEASURE_NOTES = {
    M.INDUSTRY: ["油茶种植奖补", "生猪养殖奖补", "香芋种植奖补", "茶叶种植奖补"],
    M.EMPLOYMENT: ["外出务工交通补贴", "稳岗就业补贴"],
    M.WELFARE_JOB: ["村保洁员公益性岗位", "护路员公益性岗位"],
    M.EDUCATION: ["雨露计划", "义务教育寄宿生生活补助", "高中助学金"],
    M.MEDICAL: ["住院医疗救助", "大病补充保险报销", "慢性病门诊补助"],
    M.HOUSING: ["C级危房改造", "D级危房改造"],
    M.RELOCATION: ["易地扶贫搬迁安置"],
    M.MICRO_CREDIT: ["扶贫小额信贷（三年免息）"],
    M.INSURANCE: ["特惠保代缴保费", "城乡居民基本医疗保险代缴"],
    M.SOLAR: ["村级光伏电站收益分配"],
    M.FOREST_RANGER: ["生态护林员劳务报酬"],
    M.SUBSISTENCE: ["农村低保金"],
    M.TRAINING: ["实用技术培训", "职业技能培训"],
    M.DONATION: ["社会爱心捐赠", "结对单位慰问金"],
}
VISIT_NOTES = {
    c.VisitPurpose.PLAN: ["入户制定一户一法帮扶计划", "了解家庭情况，商定帮扶措施"],
    c.VisitPurpose.FOLLOW_UP: [
        "了解家庭收入和务工情况",
        "宣传防返贫监测和帮扶政策",
        "查看住房和饮水安全情况",
        "了解家庭成员就医和慢性病用药情况",
        "了解子女就学和资助落实情况",
        "督促产业奖补申报",
    ],
    c.VisitPurpose.SELLING: ["帮助联系销售油茶、香芋等农产品", "对接消费帮扶销售农产品"],
    c.VisitPurpose.ACCOUNTS: ["年终算账，核实全年家庭收入", "填写帮扶手册，核对收支台账"],
    c.VisitPurpose.OTHER: ["节日慰问", "协助办理相关证件"],
}
MEASURE_NAMES = {
    M.INDUSTRY: "产业帮扶",
    M.EMPLOYMENT: "就业帮扶",
    M.WELFARE_JOB: "公益性岗位",
    M.EDUCATION: "教育资助",
    M.MEDICAL: "医疗救助",
    M.HOUSING: "危房改造",
    M.RELOCATION: "易地扶贫搬迁",
    M.MICRO_CREDIT: "扶贫小额信贷",
    M.INSURANCE: "保险保障",
    M.SOLAR: "光伏收益",
    M.FOREST_RANGER: "生态护林员",
    M.SUBSISTENCE: "低保兜底",
    M.TRAINING: "技能培训",
    M.DONATION: "社会帮扶",
}
PLAN_GOALS = [
    "稳定增加家庭收入，巩固脱贫成果",
    "发展油茶产业，实现稳定增收",
    "保障子女完成学业，防止因学返贫",
    "做好慢性病管理，防止因病返贫",
    "稳定外出务工，实现就业增收",
]


def _aware(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


def _record(obj, time: dt.datetime, area: str, related_id=None) -> SimpleNamespace:
    """The demo's creation record of an object (`core.history.creation_record`), related
    to a household when `related_id`."""
    return creation_record(
        obj,
        time=time,
        actor=DEMO_ACTOR,
        reason=DEMO_REASON,
        area_code=area,
        related=(HOUSEHOLD_LABEL, related_id) if related_id is not None else None,
    )


class _Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self, local: bool) -> str:
        rng = self.rng
        surname = _pick(rng, YAO_SURNAMES if local and rng.random() < 0.6 else HAN_SURNAMES)
        given = rng.choice(GIVEN_MALE if rng.random() < 0.62 else GIVEN_FEMALE)
        return f"{surname}{given}"


class _Builder:
    def __init__(self, seed: int, today: dt.date) -> None:
        self.seed = seed
        self.today = today
        self.rng = random.Random(f"fupin-demo:{seed}:assistance")
        self.names = _Names(self.rng)
        self.request_id = context.request_id.get()
        self.cadres: list[Cadre] = []
        self.cadre_time: dict[int, dt.datetime] = {}
        self.pairings: list[Pairing] = []
        self.visits: list[SimpleNamespace] = []  # plain objects: see visit()
        self.measures: list[Measure] = []
        self.records: list[SimpleNamespace] = []
        self.written = {"cadres": 0, "pairings": 0, "visits": 0, "records": 0}
        self.ids = Ids(
            Cadre, WorkTeam, TeamMembership, Pairing, Visit, Measure, HouseholdPlan, VillagePlan
        )

    # -- cadres
    def cadre(self, *, rank, unit: str, home: str, local: bool, since: dt.date) -> Cadre:
        rng = self.rng
        cadre = Cadre(
            name=self.names(local),
            unit=unit,
            rank=rank,
            post=rng.choice(POSTS.get(rank, ["干部"])),
            phone=_phone(rng),
            home_area_id=home,
            active=True,
        )
        self.ids.assign([cadre])
        self.cadres.append(cadre)
        self.cadre_time[cadre.pk] = _aware(since, 9, rng.randrange(60))
        return cadre

    # -- visits: hundreds of thousands, so plain objects (bulk_insert takes them) and the
    # change record's snapshot built directly; a test checks it equals `snapshot`.
    def visit(self, cadre_id, hid, v_code, day, purpose, rng) -> None:
        pk = self.ids.next[Visit]
        self.ids.next[Visit] = pk + 1
        at = _aware(day, rng.randint(9, 17), rng.randrange(60))
        post = {
            "id": pk,
            "cadre_id": cadre_id,
            "household_id": hid,
            "date": day.isoformat(),
            "purpose": str(purpose),
            "notes": rng.choice(VISIT_NOTES[purpose]),
            "photo": "",
            "photo_type": "",
            "recorded_by_id": None,
            "recorded_at": at.isoformat(),
        }
        self.visits.append(
            SimpleNamespace(**{**post, "date": day, "recorded_at": at, "purpose": post["purpose"]})
        )
        self.records.append(
            SimpleNamespace(
                time=at,
                user_id=None,
                user_name=DEMO_ACTOR.username,
                request_id=self.request_id,
                action=ChangeAction.CREATE,
                object_type=VISIT_LABEL,
                object_id=str(pk),
                object_repr=f"{hid} {day}",
                related_type=HOUSEHOLD_LABEL,
                related_id=str(hid),
                area_code=v_code,
                changes={k: [None, v] for k, v in post.items() if v is not None},
                post_data=post,
                reason=DEMO_REASON,
            )
        )

    def flush(self, *, every: int = 0) -> None:
        """Write the cadres, pairings, visits and change records made so far (visits and
        records by the hundred thousand: keeping them all would take a gigabyte)."""
        if len(self.records) < every:
            return
        w = self.written
        bulk_insert(self.cadres[w["cadres"] :], Cadre)
        bulk_insert(self.pairings[w["pairings"] :], Pairing)
        bulk_insert(self.visits, Visit)
        bulk_record(self.records)
        w["cadres"], w["pairings"] = len(self.cadres), len(self.pairings)
        w["visits"] += len(self.visits)
        w["records"] += len(self.records)
        self.visits, self.records = [], []


def _households(prefix: str) -> list[tuple]:
    return list(
        Household.objects.in_area(prefix)
        .filter(status__in=ELIGIBLE)
        .order_by("village_id", "number")
        .values_list("id", "number", "village_id", "status", "main_cause")
    )


def _registered_on() -> dict[int, dt.date]:
    rows = ChangeRecord.objects.filter(
        object_type=type_label(Household), action=ChangeAction.CREATE
    ).values_list("object_id", "time")
    return {int(oid): timezone.localtime(t, TZ).date() for oid, t in rows}


def _visit_dates(rng: random.Random, start: dt.date, today: dt.date, kind: str) -> list:
    """(date, purpose) of one pairing's visits from 2019 (or its start) to today."""
    out = []
    first = max(start, VISITS_FROM)
    under = kind == "under"
    stop = dt.date(2026, rng.randint(5, 9), 1) if kind == "stopped" else None
    if start >= VISITS_FROM:
        out.append((start + dt.timedelta(days=rng.randint(3, 20)), c.VisitPurpose.PLAN))
    year = first.year
    while dt.date(year, 1, 1) <= today:
        if year < MONTHLY_FROM.year:
            periods = [(12, 12)]  # the year-end accounts (年终算账)
        else:
            # One visit in each of the first two quarters, then monthly.
            periods = [(1, 3), (4, 6)] + [(m, m) for m in range(MONTHLY_FROM.month, 13)]
        for lo, hi in periods:
            day = dt.date(year, rng.randint(lo, hi), rng.randint(1, 28))
            skip = rng.random() < (0.45 if under else 0.03)
            if day < first or day > today or skip or (stop and day >= stop):
                continue
            if lo == 12 and hi == 12 and year < MONTHLY_FROM.year:
                purpose = c.VisitPurpose.ACCOUNTS
            elif day.month in (9, 10, 11) and rng.random() < 0.2:
                purpose = c.VisitPurpose.SELLING
            elif rng.random() < 0.05:
                purpose = c.VisitPurpose.OTHER
            else:
                purpose = c.VisitPurpose.FOLLOW_UP
            out.append((day, purpose))
        year += 1
    return sorted(out)


def build_demo(*, seed: int, log: Log = None, area: str = "431129") -> None:
    """Cadres, work teams, pairings, visits, measures and plans of the demo county."""
    log = log or (lambda _m: None)
    started = timer.perf_counter()
    today = timezone.localdate()
    households = _households(area)
    if not households:
        log("assistance: no registered households, nothing to build")
        return
    with transaction.atomic():
        b = _Builder(seed, today)
        registered = _registered_on()
        townships = {
            d.code: d.name
            for d in Division.objects.filter(level=Level.TOWNSHIP, code__startswith=area)
        }
        villages = {
            d.code: d.name
            for d in Division.objects.filter(level=Level.VILLAGE, code__startswith=area)
        }
        poor_villages = set(
            VillageProfile.objects.filter(
                village__code__startswith=area, is_poor_village=True
            ).values_list("village_id", flat=True)
        )
        login = User.objects.filter(username="cadre").first()
        by_village: dict[str, list[tuple]] = {}
        for row in households:
            by_village.setdefault(row[2], []).append(row)
        county_code = area.ljust(12, "0")
        plan_households: set[int] = set()
        for v_code, rows in by_village.items():
            _village(b, v_code, rows, registered, townships, villages, county_code, login)
            if login is not None and v_code == login.area_id:
                plan_households.update(r[0] for r in rows)
            b.flush(every=100_000)
        _measures(b, households, registered)
        teams, terms = _teams(b, sorted(poor_villages & set(villages)), townships, county_code)
        plans = _plans(b, households, plan_households, sorted(poor_villages), villages)
        b.flush()
        bulk_insert(teams, WorkTeam)
        bulk_insert(terms, TeamMembership)
        bulk_insert(b.measures, Measure)
        for objs in plans:
            bulk_insert(objs)
        models: tuple[type[Model], ...] = (Cadre, WorkTeam, TeamMembership, Pairing, Visit)
        models += (Measure, HouseholdPlan, VillagePlan)
        reset_sequences(*models, ChangeRecord)
        analyze(*models, ChangeRecord)
    log(
        f"assistance: {len(b.cadres):,} cadres, {len(teams)} work teams ({len(terms)} terms), "
        f"{len(b.pairings):,} pairings, {b.written['visits']:,} visits, {len(b.measures):,} "
        f"measures, {sum(len(p) for p in plans):,} plans, {b.written['records']:,} change "
        f"records in {timer.perf_counter() - started:.1f} s"
    )


def _village(b: _Builder, v_code, rows, registered, townships, villages, county, login):
    """Pair the village's households with cadres, created as needed, and their visits."""
    rng = random.Random(f"fupin-demo:{b.seed}:assistance:{v_code}")
    b.names.rng = b.rng = rng
    t_code = v_code[:9] + "000"
    t_name = townships.get(t_code, "")
    v_name = villages.get(v_code, "")
    backing = BACKING_UNITS[int(v_code[6:12]) % len(BACKING_UNITS)]
    under_share = random.Random(f"fupin-demo:{b.seed}:assistance:{t_code}").uniform(
        *UNDER_VISITED_SHARE
    )
    first_cadre = len(b.cadres)
    open_key: list[list] = []  # [cadre, key room, contact room]
    open_contact: list[list] = []

    def new_cadre(need_key: bool, since: dt.date) -> list:
        if need_key:
            rank = c.Rank.SECTION if rng.random() < 0.85 else c.Rank.COUNTY
        else:
            rank = _pick(rng, BACKING_RANKS if rng.random() < 0.55 else LOCAL_RANKS)
        if rank in (c.Rank.COUNTY,) or (rank in BACKING_RANKS and rng.random() < 0.6):
            unit, home, local = backing, county, False
        elif rank == c.Rank.TEACHER:
            unit, home, local = f"{t_name}中心学校", t_code, True
        elif rank == c.Rank.MEDICAL:
            unit, home, local = f"{t_name}卫生院", t_code, True
        elif rank == c.Rank.VILLAGE:
            unit, home, local = f"{v_name}村民委员会", v_code, True
        else:
            unit, home, local = f"{t_name}人民政府", t_code, True
        cadre = b.cadre(rank=rank, unit=unit, home=home, local=local, since=since)
        key, contact = QUOTA.get(rank, (0, rng.choice([2, 3, 3, 4, 5])))
        slot = [cadre, key, contact]
        if key:
            open_key.append(slot)
        open_contact.append(slot)
        return slot

    if login is not None and login.area_id == v_code:
        login_slot = new_cadre(True, CAMPAIGN)
        cadre = login_slot[0]
        cadre.rank, cadre.unit, cadre.home_area_id, cadre.user_id = (
            c.Rank.SECTION,
            CADRE_LOGIN_UNIT,
            v_code,  # stationed in the village: the login (scoped to it) sees its own page
            login.pk,
        )
        cadre.post = "副局长"
        login_slot[1:] = list(QUOTA[c.Rank.SECTION])
    for hid, number, _v, status, _cause in rows:
        hrng = random.Random(f"fupin-demo:{b.seed}:assistance:{number}")
        if hrng.random() >= PAIRED_SHARE:
            continue
        reg = registered.get(hid, CAMPAIGN)
        start = max(reg, CAMPAIGN) + dt.timedelta(days=hrng.randint(7, 60))
        start = min(start, b.today)
        key = status in KEY_STATUSES
        pool = open_key if key else open_contact
        slot = next((s for s in pool if (s[1] if key else s[2]) > 0), None)
        if slot is None:
            slot = new_cadre(key, min(start, CAMPAIGN + dt.timedelta(days=30)))
        if key:
            slot[1] -= 1
        else:
            slot[2] -= 1
        cadre = slot[0]
        pairing = Pairing(
            cadre_id=cadre.pk,
            household_id=hid,
            kind=c.PairingKind.KEY if key else c.PairingKind.CONTACT,
            start_date=start,
            end_date=None,
            end_reason="",
        )
        b.ids.assign([pairing])
        b.pairings.append(pairing)
        b.records.append(_record(pairing, _aware(start, 10, 0), v_code, hid))
        r = hrng.random()
        pattern = "stopped" if r < STOPPED_SHARE else "under" if r < under_share else ""
        for day, purpose in _visit_dates(hrng, start, b.today, pattern):
            b.visit(cadre.pk, hid, v_code, day, purpose, hrng)
    for cadre in b.cadres[first_cadre:]:
        b.records.append(_record(cadre, b.cadre_time[cadre.pk], cadre.home_area_id))


def _measures(b: _Builder, households, registered) -> None:
    paired = {p.household_id for p in b.pairings}
    rows = [h for h in households if h[0] in paired]
    for hid, number, v_code, _status, cause in rows:
        rng = random.Random(f"fupin-demo:{b.seed}:assistance:measures:{number}")
        first = max(registered.get(hid, CAMPAIGN), CAMPAIGN).year + 1
        n = _pick(rng, {1: 25, 2: 35, 3: 25, 4: 15})
        kinds = [CAUSE_MEASURE.get(cause, M.INDUSTRY)] + [
            _pick(rng, BASE_WEIGHTS) for _ in range(n - 1)
        ]
        out = []
        for kind in kinds:
            (lo, hi), provider = MEASURES[kind]
            year = rng.randint(min(first, 2020), 2026)
            day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            if day > b.today:
                day = dt.date(2025, day.month, day.day)
            amount = Decimal(rng.randint(lo // 10, hi // 10) * 10).quantize(Decimal("0.01"))
            out.append(
                Measure(
                    household_id=hid,
                    kind=kind,
                    amount=amount,
                    date=day,
                    provider=provider,
                    notes=rng.choice(MEASURE_NOTES[kind]),
                )
            )
        b.ids.assign(out, Measure)
        b.measures.extend(out)
        b.records.extend(_record(m, _aware(m.date, 15, 0), v_code, hid) for m in out)


# Units above the county that send first secretaries (驻村第一书记) to some poor villages.
UPPER_UNITS = [
    ("湖南省财政厅", c.UnitLevel.PROVINCE),
    ("湖南省农业农村厅", c.UnitLevel.PROVINCE),
    ("永州市人民政府办公室", c.UnitLevel.PREFECTURE),
    ("永州市自然资源和规划局", c.UnitLevel.PREFECTURE),
]
TEAM_ROTATED = "期满轮换"
TEAM_RECALLED = "调回原单位"
PAST_ROTATION_SHARE = 0.08  # teams whose current members started over a year ago
BELOW_MINIMUM_SHARE = 0.07  # teams left with two members after a recall
TEAM_LABEL = type_label(WorkTeam)


def _teams(
    b: _Builder, poor_villages, townships, county
) -> tuple[list[WorkTeam], list[TeamMembership]]:
    """A team for every poor village since 2021 (three members of its backing unit, the
    leader also its first secretary), rotated once: the current members began within the
    last year (a few teams over a year ago: past rotation), from several units (the
    backing unit, the township, now and then a first secretary from the province or the
    prefecture, a leader apart from the first secretary), and a few teams are left below
    the minimum by a recall."""
    rng = random.Random(f"fupin-demo:{b.seed}:assistance:teams")
    b.names.rng = b.rng = rng
    teams: list[WorkTeam] = []
    terms: list[TeamMembership] = []

    def member(team, rank, unit, level, start, end, *, leader=False, secretary=False, why=""):
        cadre = b.cadre(rank=rank, unit=unit, home=county, local=False, since=start)
        cadre.post = "驻村第一书记" if secretary else "驻村工作队长" if leader else "驻村工作队员"
        if secretary and leader:
            cadre.post = "驻村第一书记、工作队长"
        if end is not None and end < b.today and why == TEAM_RECALLED:
            cadre.post = "原驻村工作队员"
        b.records.append(_record(cadre, b.cadre_time[cadre.pk], cadre.home_area_id))
        term = TeamMembership(
            team_id=team.pk,
            cadre_id=cadre.pk,
            unit=unit,
            unit_level=level,
            is_leader=leader,
            is_first_secretary=secretary,
            start_date=start,
            end_date=end,
            end_reason=why,
        )
        b.ids.assign([term])
        rec = _record(term, _aware(start, 9, 45), team.village_id)
        rec.related_type, rec.related_id = TEAM_LABEL, str(team.pk)
        b.records.append(rec)
        terms.append(term)

    for v_code in poor_villages:
        backing = BACKING_UNITS[int(v_code[6:12]) % len(BACKING_UNITS)]
        township = f"{townships.get(v_code[:9] + '000', '')}人民政府"
        started = dt.date(2021, rng.choice([5, 6, 7]), rng.randint(1, 28))
        team = WorkTeam(unit=backing, village_id=v_code, started_on=started)
        b.ids.assign([team])
        b.records.append(_record(team, _aware(started, 9, 30), v_code))
        teams.append(team)
        if rng.random() < PAST_ROTATION_SHARE:
            rotated = b.today - dt.timedelta(days=rng.randint(400, 560))
        else:
            rotated = b.today - dt.timedelta(days=rng.randint(20, 330))
        # The first members, 2021 until the rotation.
        last = rotated - dt.timedelta(days=1)
        member(
            team,
            c.Rank.SECTION,
            backing,
            "county",
            started,
            last,
            leader=True,
            secretary=True,
            why=TEAM_ROTATED,
        )
        for _ in range(2):
            member(team, c.Rank.ORDINARY, backing, "county", started, last, why=TEAM_ROTATED)
        # The members since the rotation.
        upper = rng.random() < 0.2
        unit, level = rng.choice(UPPER_UNITS) if upper else (backing, c.UnitLevel.COUNTY)
        apart = rng.random() < 0.3  # a leader apart from the first secretary (1+2+3)
        member(team, c.Rank.SECTION, unit, level, rotated, None, leader=not apart, secretary=True)
        others = [(backing, c.UnitLevel.COUNTY), (township, c.UnitLevel.TOWNSHIP)]
        if rng.random() < 0.2:
            others.append((backing, c.UnitLevel.COUNTY))
        recall = rng.random() < BELOW_MINIMUM_SHARE
        for i, (o_unit, o_level) in enumerate(others):
            end, why = None, ""
            if recall and i == len(others) - 1 and len(others) == 2:
                end = b.today - dt.timedelta(days=rng.randint(10, 60))
                end, why = max(end, rotated), TEAM_RECALLED
            member(
                team,
                c.Rank.ORDINARY,
                o_unit,
                o_level,
                rotated,
                end,
                leader=apart and i == 0,
                why=why,
            )
    return teams, terms


def _plans(b: _Builder, households, chosen: set[int], poor_villages, villages) -> list[list]:
    rng = random.Random(f"fupin-demo:{b.seed}:assistance:plans")
    paired = {p.household_id: p for p in b.pairings}
    hplans = []
    for hid, _number, v_code, _status, cause in households:
        pairing = paired.get(hid)
        if pairing is None or (hid not in chosen and rng.random() >= PLAN_SHARE):
            continue
        kind = CAUSE_MEASURE.get(cause, M.INDUSTRY)
        plan = HouseholdPlan(
            household_id=hid,
            goals=rng.choice(PLAN_GOALS),
            planned_measures="；".join(
                dict.fromkeys([MEASURE_NAMES[kind], MEASURE_NAMES[_pick(rng, BASE_WEIGHTS)]])
            ),
            expected_income=Decimal(rng.randint(25, 80) * 1000),
            updated_at=_aware(pairing.start_date, 16, 0),
        )
        b.ids.assign([plan])
        hplans.append(plan)
        b.records.append(_record(plan, plan.updated_at, v_code, hid))
    vplans = []
    for v_code in poor_villages:
        vplan = VillagePlan(
            village_id=v_code,
            goals=f"{villages.get(v_code, '')}壮大村集体经济，巩固拓展脱贫攻坚成果",
            planned_measures="发展油茶、香芋特色产业；完善通组道路和安全饮水设施；建设村级光伏电站",
            expected_income=Decimal(rng.randint(5, 30) * 10_000),
            updated_at=_aware(dt.date(2021, 8, rng.randint(1, 28)), 16, 0),
        )
        b.ids.assign([vplan])
        vplans.append(vplan)
        b.records.append(_record(vplan, vplan.updated_at, v_code))
    return [hplans, vplans]


MODELS = (Visit, Measure, HouseholdPlan, VillagePlan, Pairing, TeamMembership, WorkTeam, Cadre)


def wipe_demo() -> None:
    """Remove every cadre, work team, pairing, visit, measure and plan with their change
    records (run before the registry wipe)."""
    labels = [type_label(m) for m in MODELS]
    alias = connection.alias
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(alias)
        for model in MODELS:
            model.objects.all()._raw_delete(alias)
