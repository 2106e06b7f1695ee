"""Deterministic demo data: Jianghua Yao Autonomous County (江华瑶族自治县, 431129) or all
of Yongzhou prefecture (永州市, 4311), built from a seed.

Everything random comes from `random.Random` instances seeded with strings derived
from the seed (string seeds are hashed with SHA-512, independent of PYTHONHASHSEED),
one per village, so the same seed gives the same households, members, ID numbers,
incomes and assessments on any machine and either database.

Field facts used (DESIGN.md §4): Jianghua had about 28,000 registered poor households,
112 poor villages and 192 non-poor villages with poor people (304 in all); its
319 villages and communities include urban communities without registered poor.

Writes go through `bulk_create` in batches, in one transaction, and every object
created gets its change record (built with `build_change`, written with
`bulk_record`), like every other bulk path.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from time import perf_counter
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from faker.providers.person.zh_CN import Provider as ZhNames

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.core.bulk import Ids, analyze, bulk_insert, reset_sequences
from fupin.core.history import build_change, bulk_record, creation_record, snapshot, type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.geo.models import PREFIX_LENGTH, Division, Level, VillageProfile
from fupin.geo.services import DivisionLoadResult, level_of_code, load_divisions
from fupin.registry import choices as c
from fupin.registry.idnumber import check_char
from fupin.registry.models import (
    Assessment,
    Attachment,
    Household,
    IncomeRecord,
    Member,
    MemberChange,
)

DIVISIONS_CSV = Path(__file__).resolve().parent.parent / "geo" / "data" / "divisions_4311.csv"
COUNTY = "431129"  # 江华瑶族自治县
PREFECTURE = "4311"  # 永州市
COUNTY_PEOPLE = 98_000  # ≈ 28,000 households × 3.5
PREFECTURE_PEOPLE = 1_000_000
DEMO_PASSWORD = "fupin-demo"  # noqa: S105 - the documented demo password
DEMO_REASON = "demo registration"
TZ = ZoneInfo("Asia/Shanghai")
REF = dt.date(2020, 12, 31)  # ages are drawn as of the end of the poverty-alleviation period
INCOME_YEARS = range(2015, 2021)
FLUSH_MEMBERS = 20_000

# Poverty line (yuan per person per year, current prices) by year.
POVERTY_LINE = {
    2014: 2800,
    2015: 2855,
    2016: 2952,
    2017: 3335,
    2018: 3535,
    2019: 3747,
    2020: 4000,
    2021: 4000,
}

# Demo logins: username, role, how the area is chosen.
# A second township and a second county login: the four-eyes rule keeps the user who did
# a step of a case (or proposed a project) from approving it, so another user must.
# `city_inspector` is an inspector of the prefecture, above the county it assesses.
LOGINS = [
    ("admin", Role.SYSADMIN),
    ("county", Role.COUNTY_OFFICE),
    ("county2", Role.COUNTY_OFFICE),
    ("township", Role.TOWNSHIP_STATION),
    ("township2", Role.TOWNSHIP_STATION),
    ("village", Role.VILLAGE_STAFF),
    ("civil_affairs", Role.DEPARTMENT),
    ("inspector", Role.INSPECTOR),
    ("city_inspector", Role.INSPECTOR),
    ("cadre", Role.CADRE),
]

REGISTRY_MODELS = (Household, Member, IncomeRecord, Assessment)
DEMO_ACTOR = SimpleNamespace(pk=None, username="demo")

S = c.HouseholdStatus
R = c.Relation
H = c.Health
L = c.LabourCapacity
P = c.PovertyCause

# 致贫原因 weights (illness ≈ 40%).
CAUSE_WEIGHTS = {
    P.ILLNESS: 40,
    P.DISABILITY: 12,
    P.SCHOOLING: 8,
    P.LACK_LABOUR: 10,
    P.LACK_FUNDS: 10,
    P.LACK_SKILLS: 9,
    P.DISASTER: 2,
    P.LACK_LAND: 2,
    P.LACK_WATER: 1,
    P.POOR_TRANSPORT: 3,
    P.LACK_MOTIVATION: 2,
    P.OTHER: 1,
}
HOUSEHOLD_SIZE_WEIGHTS = {1: 12, 2: 18, 3: 21, 4: 23, 5: 14, 6: 7, 7: 3, 8: 2}  # mean ≈ 3.5
YAO_SURNAMES = {
    "盘": 20,
    "赵": 15,
    "邓": 12,
    "李": 10,
    "黄": 8,
    "奉": 8,
    "唐": 6,
    "冯": 5,
    "蒋": 4,
    "沈": 4,
    "任": 3,
    "郑": 3,
}
HAN_SURNAMES = dict(ZhNames.last_names)
GIVEN_MALE = list(ZhNames.first_names_male)
GIVEN_FEMALE = list(ZhNames.first_names_female)
BANKS = ["湖南省农村信用社", "中国邮政储蓄银行", "中国农业银行", "江华农商银行"]
PHONE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150"]
PHONE_PREFIXES += ["151", "152", "155", "157", "158", "159", "177", "180", "182", "187"]
PHONE_PREFIXES += ["188", "189", "199"]
GROUP_NUMERALS = "一二三四五六七八九十"
ASSESSORS = ["村扶贫专干", "驻村工作队", "村支部书记", "结对帮扶干部"]


# ---------------------------------------------------------------- scale and divisions


@dataclass(frozen=True)
class Scale:
    people: int
    area: str  # division code prefix: "431129" or "4311"

    @property
    def label(self) -> str:
        return "county" if self.area == COUNTY else "prefecture"


def parse_scale(value: str | int) -> Scale:
    """`county`, `prefecture` or a number of people (≤ 200,000 stay in the county)."""
    text = str(value).strip().lower().replace("_", "").replace(",", "")
    if text == "county":
        return Scale(COUNTY_PEOPLE, COUNTY)
    if text == "prefecture":
        return Scale(PREFECTURE_PEOPLE, PREFECTURE)
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"scale must be county, prefecture or a number of people, not {value!r}")
    people = int(text)
    return Scale(people, COUNTY if people <= 200_000 else PREFECTURE)


def division_rows(area: str, path: Path = DIVISIONS_CSV) -> list[tuple[str, str]]:
    """Rows of the bundled division file inside `area`, with its ancestors."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["code"]
            significant = code[: PREFIX_LENGTH[level_of_code(code)]]
            if code.startswith(area) or area.startswith(significant):
                rows.append((code, row["name"]))
    return rows


def load_demo_divisions(area: str) -> DivisionLoadResult:
    result = load_divisions(division_rows(area))
    if result.errors:
        raise RuntimeError(f"bundled division file is invalid: {result.errors[:3]}")
    return result


# ---------------------------------------------------------------- small helpers


def _pick[K](rng: random.Random, weights: Mapping[K, float]) -> K:
    """A key drawn by its weight (the last key when rounding leaves nothing drawn)."""
    r = rng.random() * sum(weights.values())
    for key, w in weights.items():
        r -= w
        if r < 0:
            return key
    return list(weights)[-1]


def income_time(year: int) -> dt.datetime:
    """Yearly income is recorded after the year's verification, on 20 December."""
    return dt.datetime(year, 12, 20, 10, 0, tzinfo=TZ).astimezone(dt.UTC)


def assessment_time(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=TZ).astimezone(dt.UTC)


CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2).quantize(CENT)


def _area(x: float) -> Decimal:
    return Decimal(f"{max(x, 0):.2f}")


def _aware(day: dt.date, rng: random.Random) -> dt.datetime:
    local = dt.datetime(
        day.year, day.month, day.day, rng.randrange(8, 18), rng.randrange(60), tzinfo=TZ
    )
    return local.astimezone(dt.UTC)  # as the database gives it back, so snapshots agree


def _date_in(rng: random.Random, year: int, first_month: int = 1, last_month: int = 12) -> dt.date:
    month = rng.randint(first_month, last_month)
    return dt.date(year, month, rng.randint(1, 28))


def _phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _bank_account(rng: random.Random) -> str:
    """A synthetic 19-digit card number with a valid Luhn digit."""
    body = "621" + f"{rng.randrange(10**15):015d}"
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return body + str((10 - total % 10) % 10)


class IdNumbers:
    """Unique resident ID numbers with valid check characters."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, rng: random.Random, region: str, birth: dt.date, sex: str) -> str:
        base = region + birth.strftime("%Y%m%d")
        parity = 1 if sex == "M" else 0
        while True:
            seq = rng.randrange(500) * 2 + parity
            if seq == 0:
                continue
            first17 = f"{base}{seq:03d}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + check_char(first17)


# ---------------------------------------------------------------- villages


@dataclass
class VillagePlan:
    village: Division
    county: str
    has_poor: bool
    is_poor: bool
    exit_year: int | None
    target_people: int = 0
    yao_share: float = 0.0
    zhuang_share: float = 0.0


def _is_community(name: str) -> bool:
    return "社区" in name or "居委会" in name


def _ethnic_mix(county: str, township_name: str, rng: random.Random) -> tuple[float, float]:
    if county == COUNTY:  # a Yao autonomous county; 小圩 is a Zhuang township
        if "壮族" in township_name:
            return 0.35, 0.4
        return rng.uniform(0.35, 0.95), 0.005
    if county in {"431125", "431123", "431126"}:  # 江永, 双牌, 宁远 have Yao townships
        return rng.uniform(0.05, 0.5), 0.0
    return rng.uniform(0.0, 0.05), 0.0


def plan_villages(scale: Scale, seed: int) -> list[VillagePlan]:
    """Which villages have poor people, which are poor villages, how many people each."""
    rng = random.Random(f"fupin-demo:{seed}:plan")
    villages = list(
        Division.objects.filter(level=Level.VILLAGE, code__startswith=scale.area)
        .select_related("parent")
        .order_by("code")
    )
    by_county: dict[str, list[Division]] = {}
    for v in villages:
        by_county.setdefault(v.code[:6], []).append(v)
    plans: list[VillagePlan] = []
    for county, vs in sorted(by_county.items()):
        communities = [v for v in vs if _is_community(v.name)]
        rural = [v for v in vs if not _is_community(v.name)]
        # Jianghua: 15 communities without registered poor, so 304 villages have poor
        # people; of those, 112 are poor villages. Other counties follow the same shares.
        n_without = min(len(communities), round(len(communities) * 0.62))
        without = {v.code for v in communities[:n_without]}
        n_poor = round((len(vs) - n_without) * 112 / 304)
        poor = {v.code for v in rng.sample(rural, min(n_poor, len(rural)))}
        for v in vs:
            is_poor = v.code in poor
            exit_year = None
            if is_poor and rng.random() < 0.88:
                exit_year = int(_pick(rng, {2016: 15, 2017: 30, 2018: 35, 2019: 20}))
            township = v.parent
            assert township is not None  # a village's parent is its township
            yao, zhuang = _ethnic_mix(county, township.name, rng)
            plans.append(
                VillagePlan(
                    village=v,
                    county=county,
                    has_poor=v.code not in without,
                    is_poor=is_poor,
                    exit_year=exit_year,
                    yao_share=yao,
                    zhuang_share=zhuang,
                )
            )
    # Spread the people: poor villages weigh 2.5, others 1, communities 0.3.
    with_poor = [p for p in plans if p.has_poor]
    n_used = min(len(with_poor), max(2, scale.people // 250))
    if n_used < len(with_poor):  # a small demo: evenly spaced villages, from the first
        step = len(with_poor) / n_used
        chosen = {with_poor[int(i * step)].village.code for i in range(n_used)}
        for p in with_poor:
            p.has_poor = p.village.code in chosen
        with_poor = [p for p in with_poor if p.has_poor]
    weights = [
        (2.5 if p.is_poor else 0.3 if _is_community(p.village.name) else 1.0)
        * rng.uniform(0.6, 1.4)
        for p in with_poor
    ]
    total = sum(weights)
    for p, w in zip(with_poor, weights, strict=True):
        p.target_people = max(1, round(scale.people * w / total))
    return plans


def village_profile(plan: VillagePlan, poor_people: int, rng: random.Random) -> dict[str, Any]:
    """The profile fields: population at least twice the registered poor, infrastructure
    better in non-poor and exited villages."""
    pop = int(min(3200, max(300, rng.lognormvariate(7.25, 0.45))))
    if plan.has_poor:
        pop = max(pop, int(poor_people * rng.uniform(2.2, 4.5)))
    if _is_community(plan.village.name):
        pop = max(pop, 1500)
    good = 0.95 if (not plan.is_poor or plan.exit_year) else 0.65
    if not plan.is_poor:
        income = rng.randrange(30_000, 500_000)
    elif plan.exit_year:
        income = rng.randrange(50_000, 220_000)
    else:
        income = rng.randrange(0, 50_000)
    # A village that exits has the infrastructure its exit checklist asks for; its year of
    # exit is not written here: the village exit procedure sets it (fupin.cases.area.demo).
    met = bool(plan.exit_year)
    return {
        "is_poor_village": plan.is_poor,
        "rural_population": pop,
        "rural_households": int(pop / rng.uniform(3.2, 3.9)),
        "collective_income": Decimal(income).quantize(CENT),
        "has_hardened_road": (rng.random() < good + 0.03) or met,
        "has_bus": rng.random() < good - 0.3,
        "has_safe_water": (rng.random() < good + 0.03) or met,
        "has_power": (rng.random() < 0.995) or met,
        "has_broadband": (rng.random() < good - 0.1) or met,
        "has_clinic": (rng.random() < good) or met,
        "has_cultural_room": (rng.random() < good - 0.05) or met,
    }


# ---------------------------------------------------------------- households


@dataclass
class Bundle:
    """One household with everything created with it, not yet saved."""

    household: Household
    registered: dt.datetime
    story: Story | None = None
    members: list[Member] = field(default_factory=list)
    member_times: list[dt.datetime] = field(default_factory=list)
    incomes: list[IncomeRecord] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)


@dataclass
class Person:
    relation: str
    sex: str
    age: int
    surname: str = ""


def _structure(rng: random.Random, size: int) -> list[Person]:
    """Head, spouse, children, elderly parents or adult son's family: ages consistent."""
    if size == 1:
        age = rng.randint(60, 92) if rng.random() < 0.7 else rng.randint(35, 60)
        return [Person(R.HEAD, "M" if rng.random() < 0.65 else "F", age)]
    head_age = rng.randint(45, 85) if size == 2 and rng.random() < 0.7 else rng.randint(28, 70)
    head_sex = "M" if rng.random() < 0.86 else "F"
    people = [Person(R.HEAD, head_sex, head_age)]
    slots = size - 1
    mother_age = head_age if head_sex == "F" else head_age - 3
    if rng.random() < (0.8 if size == 2 else 0.88):
        spouse_age = (
            head_age - rng.randint(-2, 6) if head_sex == "M" else head_age + rng.randint(-2, 6)
        )
        spouse_age = min(max(spouse_age, 20), 95)
        people.append(Person(R.SPOUSE, "F" if head_sex == "M" else "M", spouse_age))
        mother_age = spouse_age if head_sex == "M" else head_age
        slots -= 1
    if head_age <= 55 and slots >= 2 and rng.random() < 0.4:
        n = 1 if slots == 2 or rng.random() < 0.7 else 2
        for i in range(n):
            sex = ("F" if rng.random() < 0.65 else "M") if n == 1 else "MF"[i]
            people.append(Person(R.PARENT, sex, min(95, head_age + rng.randint(22, 34))))
        slots -= n
    if head_age >= 55 and slots >= 2 and rng.random() < 0.6:
        son_age = max(18, head_age - rng.randint(22, 32))
        people.append(Person(R.SON, "M", son_age))
        people.append(Person(R.DAUGHTER_IN_LAW, "F", max(18, son_age + rng.randint(-4, 3))))
        slots -= 2
        while slots > 0 and son_age >= 20:
            age = max(0, son_age - rng.randint(20, 34))
            people.append(Person(R.GRANDCHILD, "M" if rng.random() < 0.52 else "F", age))
            slots -= 1
    while slots > 0 and mother_age >= 20:
        age = mother_age - rng.randint(20, 40)
        if age < 0:
            age = rng.randint(0, max(0, mother_age - 20))
        sex = "M" if rng.random() < 0.53 else "F"
        people.append(Person(R.SON if sex == "M" else R.DAUGHTER, sex, age))
        slots -= 1
    while slots > 0:
        sex = "M" if rng.random() < 0.5 else "F"
        people.append(Person(R.SIBLING, sex, max(16, head_age + rng.randint(-10, 10))))
        slots -= 1
    return people


def _schooling(rng: random.Random, age: int) -> tuple[str, str]:
    """(education, school_status): exactly one is filled."""
    E, SS = c.Education, c.SchoolStatus
    if age < 3:
        return "", SS.PRESCHOOL_CHILD
    if age < 6:
        return "", SS.KINDERGARTEN
    if age < 12:
        return "", SS.PRIMARY
    if age < 15:
        return "", SS.JUNIOR
    if age < 18:
        if rng.random() < 0.85:
            return "", SS.SENIOR if rng.random() < 0.6 else SS.VOCATIONAL
        return E.JUNIOR, ""
    if age < 23 and rng.random() < 0.25:
        return "", str(
            _pick(rng, {SS.HIGHER_VOCATIONAL: 50, SS.UNDERGRADUATE: 45, SS.TECHNICIAN: 5})
        )
    if age >= 65:
        return str(_pick(rng, {E.ILLITERATE: 45, E.PRIMARY: 45, E.JUNIOR: 10})), ""
    if age >= 45:
        return str(_pick(rng, {E.ILLITERATE: 10, E.PRIMARY: 45, E.JUNIOR: 40, E.SENIOR: 5})), ""
    weights = {E.PRIMARY: 15, E.JUNIOR: 60, E.SENIOR: 18, E.COLLEGE: 5, E.BACHELOR: 2}
    return str(_pick(rng, weights)), ""


def _school_today(m: Member, today: dt.date) -> None:
    """Ages and schooling are drawn as of REF, but the registry holds today's state: a
    child then has moved on through school by now (a 2-year-old of 2020 is at primary
    school, not still a pre-school child). No random draw here, so the seeded demo is the
    same whatever day it is built, apart from these fields."""
    SS = c.SchoolStatus
    if m.school_status not in (SS.PRESCHOOL_CHILD, SS.KINDERGARTEN, SS.PRIMARY, SS.JUNIOR):
        return
    age = m.age_on(today)
    stages = (
        (3, SS.PRESCHOOL_CHILD),
        (6, SS.KINDERGARTEN),
        (12, SS.PRIMARY),
        (15, SS.JUNIOR),
        (18, SS.SENIOR),
    )
    m.school_status = next((s for below, s in stages if age < below), "")
    if not m.school_status:
        m.education = c.Education.SENIOR  # left school since 2020


def _health(rng: random.Random, age: int) -> str:
    if age < 16:
        return str(_pick(rng, {H.HEALTHY: 96, H.CHRONIC: 2, H.DISABLED: 2}))
    if age < 60:
        return str(_pick(rng, {H.HEALTHY: 82, H.CHRONIC: 10, H.SERIOUS: 3, H.DISABLED: 5}))
    return str(_pick(rng, {H.HEALTHY: 50, H.CHRONIC: 35, H.SERIOUS: 7, H.DISABLED: 8}))


def _labour(rng: random.Random, m: Member, age: int, cause: str) -> str:
    if age < 16 or m.school_status:
        return L.NONE
    if m.health == H.DISABLED:
        if m.disability_grade is not None and m.disability_grade <= 2:
            return L.LOST
        return L.WEAK if age >= 65 or rng.random() < 0.6 else L.ORDINARY
    if m.health == H.SERIOUS:
        return L.LOST if rng.random() < 0.6 else L.WEAK
    if age >= 65:
        return L.WEAK if rng.random() < 0.5 else L.NONE
    if m.health == H.CHRONIC:
        return L.WEAK if rng.random() < 0.6 else L.ORDINARY
    if cause == P.LACK_LABOUR and rng.random() < 0.6:
        return L.WEAK
    if cause != P.LACK_SKILLS and rng.random() < 0.15:
        return L.SKILLED
    return L.WEAK if rng.random() < 0.05 else L.ORDINARY


@dataclass
class Story:
    """A household's path through the registry."""

    status: str
    status_year: int
    registered_year: int
    monitoring_type: str = ""
    exit_year: int | None = None  # exited (and, for returned, the year before returning)
    removed_year: int | None = None


def _story(rng: random.Random) -> Story:
    kind = _pick(
        rng,
        {
            # Returns are not drawn here: an exited household returns, or not, from its
            # own factors (`return_probability`), decided once its members and incomes
            # are known. About 4% of all households end up returned.
            "exited": 80,
            "poor": 4,
            "removed": 5,
            "unstable": 5,
            "edge": 3.5,
            "sudden": 1.5,
            "candidate": 1,
        },
    )
    reg = int(_pick(rng, {2014: 75, 2015: 10, 2016: 8, 2017: 7}))
    exit_weights = {2015: 5, 2016: 18, 2017: 25, 2018: 27, 2019: 20, 2020: 5}

    def exit_after(year: int, last: int = 2020) -> int:
        ws = {y: w for y, w in exit_weights.items() if year < y <= last}
        return int(_pick(rng, ws)) if ws else last

    if kind == "exited":
        e = exit_after(reg)
        return Story(S.EXITED, e, reg, exit_year=e)
    if kind == "poor":
        return Story(S.POOR, reg, reg)
    if kind == "removed":
        y = rng.randint(max(reg, 2015), 2017)
        return Story(S.REMOVED, y, reg, removed_year=y)
    if kind == "unstable":
        e = exit_after(reg, 2019)
        return Story(
            S.MONITORED,
            rng.choice([2020, 2021]),
            reg,
            monitoring_type=c.MonitoringType.UNSTABLE_EXITED,
            exit_year=e,
        )
    if kind == "edge":
        return Story(S.MONITORED, 2020, 2020, monitoring_type=c.MonitoringType.EDGE)
    if kind == "sudden":
        if rng.random() < 0.6:
            e = exit_after(reg, 2019)
            return Story(
                S.MONITORED,
                2020,
                reg,
                monitoring_type=c.MonitoringType.SUDDEN_HARDSHIP,
                exit_year=e,
            )
        y = rng.choice([2020, 2021])
        return Story(S.MONITORED, y, y, monitoring_type=c.MonitoringType.SUDDEN_HARDSHIP)
    return Story(S.CANDIDATE, 2021, 2021)


def _ratio(
    story: Story, year: int, poor_ratio: float, exit_ratio: float, growth: float = 0.07
) -> float:
    """Net income per person ÷ the line of the year, by where the household stood.
    `growth` is the household's yearly income growth (assistance, work): before exit it
    lifts the poor ratio a little each year (never to the line), after exit it compounds
    on the exit ratio."""
    if story.removed_year is not None:  # wrongly identified: well above the line
        return exit_ratio + 0.9
    mt = story.monitoring_type
    if mt == c.MonitoringType.EDGE:
        return min(1.45, max(1.04, exit_ratio - 0.1))
    if mt == c.MonitoringType.SUDDEN_HARDSHIP and year >= 2020:
        return min(0.95, poor_ratio + 0.1)
    if story.status == S.CANDIDATE:
        return min(0.97, poor_ratio + 0.15)
    if story.exit_year is None or year < story.exit_year:
        if story.exit_year is None:
            return poor_ratio
        return min(0.97, poor_ratio * (1 + growth * (year - story.exit_year + 3)))
    if story.status == S.RETURNED and year >= story.status_year:
        return poor_ratio
    if mt == c.MonitoringType.UNSTABLE_EXITED:
        return min(1.3, max(1.04, exit_ratio - 0.25)) + 0.02 * (year - story.exit_year)
    return exit_ratio * (1 + growth * (year - story.exit_year))


# The return-to-poverty model of the demo (the truth fupin.monitoring.scoring should
# recover). Log-odds of returning in the year after exit, per household:
RETURN_LOGIT = {
    "intercept": -3.8,
    "serious_or_disabled": 0.9,  # at least one member seriously ill or disabled
    "chronic": 0.25,  # per chronically ill member, at most 2
    "labour_share": -2.0,  # × (labour units per person − 0.5)
    "exit_margin": -3.0,  # × (income per person ÷ line in the exit year − 1.3)
    "cause_health": 0.5,  # main cause illness or disability
    "no_migrant": 0.6,  # nobody works away from home
    "pupils": 0.35,  # per child in school (kindergarten to university)
    "head_age": 0.03,  # per year of the head's age above 50
    "supported": -0.5,  # in a cooperative or led by an enterprise (industry support)
    "dividend": -0.4,  # receives a dividend (asset-income assistance)
    "growth": -6.0,  # × (yearly income growth − 0.07)
}


def return_probability(
    members: list[Member],
    *,
    cause: str,
    exit_ratio: float,
    supported: bool,
    dividend: bool,
    growth: float,
    exit_year: int,
) -> float:
    """Probability that a household which exited in `exit_year` returns to poverty in
    `exit_year + 1`: a logistic function of plausible, recorded factors (`RETURN_LOGIT`).

    Causal model (what a risk model trained on the demo should find):

    - risk rises with a member seriously ill or disabled, chronically ill members, few
      labour units per person (skilled/ordinary 1, weak ½), a thin margin over the line in
      the exit year, illness or disability as the main cause, nobody working away from
      home, children in school, and an older head;
    - risk falls with industry support (cooperative, leading enterprise), a dividend and
      faster income growth (visible in the incomes before exit).

    Everything here is recorded in the registry (members, incomes, household fields), so
    a model can see it all; the draw itself is the noise. A household that returns has an
    income below the line from the year after exit on and the status returned (返贫) with
    that year as its status year.
    """

    k = RETURN_LOGIT
    ref = dt.date(exit_year, 12, 31)
    present = [m for m in members if m.birth_date <= ref]
    n = max(1, len(present))
    units: dict[str, float] = {L.SKILLED: 1.0, L.ORDINARY: 1.0, L.WEAK: 0.5}
    labour = sum(units.get(m.labour, 0.0) for m in present) / n
    head = members[0]
    head_age = exit_year - head.birth_date.year
    pupils = sum(
        1
        for m in present
        if m.school_status
        and m.school_status not in (c.SchoolStatus.PRESCHOOL_CHILD, c.SchoolStatus.KINDERGARTEN)
    )
    x = (
        k["intercept"]
        + k["serious_or_disabled"] * any(m.health in (H.SERIOUS, H.DISABLED) for m in present)
        + k["chronic"] * min(2, sum(m.health == H.CHRONIC for m in present))
        + k["labour_share"] * (labour - 0.5)
        + k["exit_margin"] * (exit_ratio - 1.3)
        + k["cause_health"] * (cause in (P.ILLNESS, P.DISABILITY))
        + k["no_migrant"] * (not any(m.migrant_months for m in present))
        + k["pupils"] * pupils
        + k["head_age"] * (head_age - 50)
        + k["supported"] * supported
        + k["dividend"] * dividend
        + k["growth"] * (growth - 0.07)
    )
    return 1 / (1 + math.exp(-x))


class Generator:
    """Households of one village, from the village's own random stream."""

    def __init__(self, seed: int, ids: IdNumbers, counties: list[str]) -> None:
        self.today = dt.date.today()  # the registry holds today's state
        self.seed = seed
        self.ids = ids
        self.counties = counties

    def village(self, plan: VillagePlan) -> tuple[list[Bundle], dict[str, Any]]:
        rng = random.Random(f"fupin-demo:{self.seed}:{plan.village.code}")
        bundles: list[Bundle] = []
        people = 0
        groups = rng.randint(4, 10)
        assessor = ASSESSORS[0] + self._name(rng, "F" if rng.random() < 0.4 else "M", "01")
        infra = rng.random() < (0.65 if plan.is_poor and not plan.exit_year else 0.92)
        while plan.has_poor and people < plan.target_people:
            b = self.household(rng, plan, len(bundles) + 1, groups, assessor, infra)
            bundles.append(b)
            people += len(b.members)
        profile = village_profile(plan, people, rng)
        return bundles, profile

    def _name(self, rng: random.Random, sex: str, ethnicity: str, surname: str = "") -> str:
        if not surname:
            surname = str(_pick(rng, YAO_SURNAMES if ethnicity == "13" else HAN_SURNAMES))
        pool = GIVEN_MALE if sex == "M" else GIVEN_FEMALE
        given = rng.choice(pool)
        if len(given) == 1 and rng.random() < 0.55:
            given = rng.choice(pool)[0] + given
        return surname + given

    def household(
        self,
        rng: random.Random,
        plan: VillagePlan,
        seq: int,
        groups: int,
        assessor: str,
        infra: bool,
    ) -> Bundle:
        story = _story(rng)
        size = int(_pick(rng, HOUSEHOLD_SIZE_WEIGHTS))
        people = _structure(rng, size)
        cause = str(_pick(rng, CAUSE_WEIGHTS))
        children = [p for p in people if p.age < 23 and p.relation != R.HEAD]
        while (cause == P.SCHOOLING and not children) or (
            cause == P.LACK_LABOUR and len(people) > 2 and rng.random() < 0.5
        ):
            cause = str(_pick(rng, CAUSE_WEIGHTS))
        others = [x for x in CAUSE_WEIGHTS if x != cause]
        n_other = int(_pick(rng, {0: 35, 1: 40, 2: 25}))
        other_causes = [str(x) for x in rng.sample(others, n_other)]

        r = rng.random()
        ethnicity = (
            "13" if r < plan.yao_share else "08" if r < plan.yao_share + plan.zhuang_share else "01"
        )
        region = plan.county
        registered_day = (
            _date_in(rng, story.registered_year, 4, 10)
            if story.registered_year == 2014
            else _date_in(rng, story.registered_year, 3, 11)
        )
        registered = _aware(registered_day, rng)

        group = rng.randint(1, groups)
        group_name = (GROUP_NUMERALS[group - 1] if group <= 10 else str(group)) + "组"
        h = Household(
            number=f"{plan.village.code}{seq:04d}",
            village_id=plan.village.code,
            group_name=group_name,
            address=f"{plan.village.name}{group_name}{rng.randint(1, 80)}号",
            status=story.status,
            status_year=story.status_year,
            monitoring_type=story.monitoring_type,
            main_cause=cause,
            other_causes=other_causes,
            standard=c.IdentificationStandard.NATIONAL
            if rng.random() < 0.9
            else c.IdentificationStandard.PROVINCIAL,
            created_at=registered,
            updated_at=registered,
        )
        bundle = Bundle(household=h, registered=registered, story=story)

        # Members.
        head_surname = ""
        illness_forced = cause not in (P.ILLNESS, P.DISABILITY)
        for i, p in enumerate(people):
            eth = ethnicity
            if p.relation in (R.SPOUSE, R.DAUGHTER_IN_LAW) and rng.random() < 0.2:
                eth = (
                    "01" if ethnicity != "01" else ("13" if rng.random() < plan.yao_share else "01")
                )
            if p.relation == R.HEAD:
                name = self._name(rng, p.sex, eth)
                head_surname = name[0] if name[0] != "欧" else name[:2]
            elif p.relation in (R.SON, R.DAUGHTER, R.GRANDCHILD) or (
                p.relation == R.PARENT and p.sex == "M" and people[0].sex == "M"
            ):
                name = self._name(rng, p.sex, eth, head_surname)
            else:
                name = self._name(rng, p.sex, eth)
            birth = dt.date.fromordinal(REF.toordinal() - p.age * 365 - rng.randrange(365))
            person_region = region
            if p.relation in (R.SPOUSE, R.DAUGHTER_IN_LAW) and rng.random() < 0.1:
                person_region = rng.choice(self.counties)
            education, school = _schooling(rng, p.age)
            health = _health(rng, p.age)
            if not illness_forced and p.age >= 16 and (i == len(people) - 1 or rng.random() < 0.6):
                health = (
                    (H.SERIOUS if rng.random() < 0.4 else H.CHRONIC)
                    if cause == P.ILLNESS
                    else H.DISABLED
                )
                illness_forced = True
            m = Member(
                id_number=self.ids.make(rng, person_region, birth, p.sex),
                name=name,
                sex=p.sex,
                birth_date=birth,
                ethnicity=eth,
                relation=p.relation,
                education=education,
                school_status=school,
                health=health,
                disability_grade=int(_pick(rng, {1: 15, 2: 25, 3: 30, 4: 30}))
                if health == H.DISABLED
                else None,
            )
            m.labour = _labour(rng, m, p.age, cause)
            if m.labour in (L.SKILLED, L.ORDINARY) and 18 <= p.age <= 55 and rng.random() < 0.5:
                m.migrant_place = str(
                    _pick(
                        rng,
                        {
                            c.MigrantPlace.OUT_PROVINCE: 45,
                            c.MigrantPlace.IN_PROVINCE: 25,
                            c.MigrantPlace.IN_COUNTY: 15,
                            c.MigrantPlace.IN_TOWNSHIP: 10,
                            c.MigrantPlace.OTHER: 5,
                        },
                    )
                )
                m.migrant_months = rng.randint(3, 12)
            m.insured_medical = rng.random() < 0.99
            m.insured_serious_illness = m.insured_medical and rng.random() < 0.98
            m.insured_pension = p.age >= 16 and not school and rng.random() < 0.88
            if (p.relation == R.HEAD and rng.random() < 0.9) or (
                18 <= p.age <= 60 and rng.random() < 0.5
            ):
                m.phone = _phone(rng)
            _school_today(m, self.today)
            joined = (
                registered
                if birth <= registered_day
                else _aware(birth + dt.timedelta(days=30), rng)
            )
            m.created_at = m.updated_at = joined
            bundle.members.append(m)
            bundle.member_times.append(joined)

        # Category follows the members.
        workers = [m for m in bundle.members if m.labour in (L.SKILLED, L.ORDINARY, L.WEAK)]
        if size == 1 and not workers:
            h.category = str(_pick(rng, {"extreme": 45, "subsistence": 35, "general": 20}))
        elif cause in (P.ILLNESS, P.DISABILITY):
            h.category = "subsistence" if rng.random() < 0.35 else "general"
        else:
            h.category = str(_pick(rng, {"general": 84, "subsistence": 15, "extreme": 1}))

        # Living and production conditions, better after exit.
        better = story.status in (S.EXITED, S.MONITORED) and story.exit_year is not None
        poor_now = story.status in (S.POOR, S.RETURNED, S.CANDIDATE)
        h.relocated = rng.random() < 0.08
        if h.relocated:
            h.housing_safe = True
        else:
            h.housing_safe = rng.random() < (0.995 if better else 0.6 if poor_now else 0.93)
        if not h.housing_safe:
            h.danger_grade = "C" if rng.random() < 0.6 else "D"
        elif better and story.exit_year is not None and rng.random() < 0.3:
            h.renovation_year = rng.randint(max(2015, story.registered_year), story.exit_year)
        h.housing_area = _area(rng.uniform(40, 60) + 20 * size + rng.uniform(-10, 40))
        h.water_safe = rng.random() < (0.995 if better else 0.85 if infra else 0.7)
        h.water_difficult = not h.water_safe and rng.random() < 0.7
        h.power_living = rng.random() < 0.997
        h.power_production = rng.random() < 0.9
        h.has_tv_radio = rng.random() < 0.95
        h.road_type = str(
            _pick(rng, {"cement": 70, "gravel": 20, "dirt": 8, "asphalt": 2})
            if infra
            else _pick(rng, {"cement": 35, "gravel": 35, "dirt": 30})
        )
        km = rng.expovariate(1.5) if rng.random() < 0.98 else rng.uniform(5, 9)
        h.distance_to_road_km = _area(km)
        h.has_toilet = rng.random() < (0.85 if better else 0.45)
        h.fuel_type = str(
            _pick(rng, {"firewood": 50, "electricity": 20, "gas": 15, "coal": 10, "biogas": 5})
        )
        farmland = 0.2 if cause == P.LACK_LAND else rng.uniform(0.5, 2.0) * max(1, size) ** 0.6
        h.farmland_mu = _area(farmland)
        h.irrigated_mu = _area(farmland * rng.uniform(0.2, 0.9))
        h.forest_mu = _area(rng.uniform(0, 30) if rng.random() < 0.7 else 0)
        h.returned_farmland_mu = _area(rng.uniform(0.3, 3) if rng.random() < 0.3 else 0)
        h.fruit_mu = _area(rng.uniform(0.2, 2) if rng.random() < 0.25 else 0)
        h.pasture_mu = ZERO
        h.water_surface_mu = _area(rng.uniform(0.1, 0.8) if rng.random() < 0.05 else 0)
        h.in_cooperative = rng.random() < (0.45 if better else 0.2)
        h.led_by_enterprise = rng.random() < (0.25 if better else 0.1)
        head = bundle.members[0]
        h.phone = head.phone or _phone(rng)
        h.bank_name = rng.choice(BANKS)
        h.bank_account = _bank_account(rng)

        self.incomes(rng, bundle, story, assessor)
        return bundle

    def incomes(self, rng: random.Random, b: Bundle, story: Story, assessor: str) -> None:
        h = b.household
        members = b.members
        units: dict[str, float] = {L.SKILLED: 1.3, L.ORDINARY: 1.0, L.WEAK: 0.5}
        capacity = min(1.0, sum(units.get(m.labour, 0) for m in members) / len(members) * 1.6)
        burden = sum(1 for m in members if m.health in (H.SERIOUS, H.DISABLED))
        poor_ratio = min(
            0.95, max(0.3, 0.45 + 0.35 * capacity - 0.08 * burden + rng.gauss(0, 0.08))
        )
        exit_ratio = min(2.5, max(1.06, 1.12 + 0.6 * capacity - 0.05 * burden + rng.gauss(0, 0.12)))
        first = max(INCOME_YEARS.start, story.registered_year)
        if story.monitoring_type == c.MonitoringType.EDGE or story.registered_year >= 2020:
            first = 2020
        last = story.removed_year or INCOME_YEARS.stop - 1
        migrant_months = sum(m.migrant_months for m in members)
        wage_share = rng.uniform(0.55, 0.9) if migrant_months else rng.uniform(0.0, 0.35)
        expense_ratio = rng.uniform(0.3, 0.45)
        allowance = rng.uniform(900, 1800)
        dividend = rng.randrange(200, 1000) if rng.random() < 0.5 else 0
        growth = rng.uniform(0.0, 0.14)
        e = story.exit_year
        if story.status == S.EXITED and e is not None and e < INCOME_YEARS.stop - 1:
            p = return_probability(
                members,
                cause=h.main_cause,
                exit_ratio=exit_ratio,
                supported=h.in_cooperative or h.led_by_enterprise,
                dividend=dividend > 0,
                growth=growth,
                exit_year=e,
            )
            if rng.random() < p:
                story.status, story.status_year = S.RETURNED, e + 1
                h.status, h.status_year = S.RETURNED, e + 1
        family_planning = rng.random() < 0.08
        for year in range(first, last + 1):
            size = sum(1 for m in members if m.birth_date.year <= year)
            if size == 0:
                continue
            ratio = _ratio(story, year, poor_ratio, exit_ratio, growth)
            net = round(ratio * POVERTY_LINE[year] * size * 100)  # cents
            elderly = sum(1 for m in members if year - m.birth_date.year >= 60)
            grow = 1 + 0.05 * (year - 2015)
            tr = {
                "pension": elderly * 12 * (85 + 3 * (year - 2015)) * 100,
                "subsistence_allowance": round(size * allowance * grow * 100)
                if h.category == "subsistence"
                else 0,
                "extreme_poverty_support": round(size * 4200 * grow * 100)
                if h.category == "extreme"
                else 0,
                "ecological_compensation": round(
                    (float(h.returned_farmland_mu) * 125 + float(h.forest_mu) * 15) * 100
                ),
                "family_planning": 96_000 if family_planning else 0,
                "other_transfer": round(float(h.farmland_mu) * 100 * 100),
            }
            total_tr = sum(tr.values())
            if total_tr > 0.8 * net:
                factor = 0.8 * net / total_tr
                tr = {k: int(v * factor) for k, v in tr.items()}
                total_tr = sum(tr.values())
            prop = min(dividend * 100 if year >= 2017 else 0, int(net * 0.1))
            rest = net - total_tr - prop
            prod_net = round(rest * (1 - wage_share))
            production = round(prod_net / (1 - expense_ratio))
            expenses = production - prod_net
            wages = rest - prod_net
            b.incomes.append(
                IncomeRecord(
                    year=year,
                    household_size=size,
                    wages=_money(wages),
                    production=_money(production),
                    property_income=_money(prop),
                    production_expenses=_money(expenses),
                    updated_at=b.registered,
                    **{k: _money(v) for k, v in tr.items()},
                )
            )
            poor_that_year = ratio < 1
            has_pupils = any(0 <= year - m.birth_date.year - 6 < 9 for m in members)
            renovated = h.renovation_year is not None and h.renovation_year <= year
            housing = h.housing_safe and (h.renovation_year is None or renovated or h.relocated)
            if poor_that_year:
                met = {
                    "food_secure": rng.random() < 0.97,
                    "clothing_secure": rng.random() < 0.98,
                    "education_secured": not has_pupils or rng.random() < 0.95,
                    "medical_secured": rng.random() < 0.93,
                    "housing_secured": housing and rng.random() < 0.9,
                    "water_secured": h.water_safe and rng.random() < 0.92,
                }
            else:
                met = {f: rng.random() < 0.998 for f in Assessment.CONDITIONS}
                met["housing_secured"] = housing
                met["water_secured"] = h.water_safe or rng.random() < 0.5
            unmet = [f for f, ok in met.items() if not ok]
            b.assessments.append(
                Assessment(
                    year=year,
                    assessed_on=_date_in(rng, year, 11, 12),
                    assessor=assessor,
                    notes="" if not unmet else "待整改",
                    **met,
                )
            )


# ---------------------------------------------------------------- writing


@dataclass
class DemoResult:
    villages: int = 0
    households: int = 0
    members: int = 0
    incomes: int = 0
    assessments: int = 0
    changes: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.households + self.members + self.incomes + self.assessments + self.changes


type Registered = Household | Member | IncomeRecord | Assessment


def _village_of(instance: Registered, related: Household | None) -> str:
    """The area of a demo object's record: its household's village (`related`, or the
    instance itself when it is the household)."""
    household = related if related is not None else instance
    if not isinstance(household, Household):
        raise TypeError(f"{type_label(instance)}: pass the household it belongs to")
    return household.village_id


def change_record(
    instance: Registered, time: dt.datetime, related: Household | None = None
) -> SimpleNamespace:
    """The demo's creation record of an object (`core.history.creation_record`: what
    `build_change` makes, without a ChangeRecord instance); a test checks the two agree
    field by field."""
    return creation_record(
        instance,
        time=time,
        actor=DEMO_ACTOR,
        reason=DEMO_REASON,
        area_code=_village_of(instance, related),
        related=related,
    )


STATUS_FIELDS = ("status", "status_year", "monitoring_type")


def status_path(story: Story, number: str) -> list[tuple[dt.datetime, dict[str, Any]]]:
    """The household's status fields after each step of its story, after registration:
    exit, removal, return, monitoring. The demo writes the registration with the first
    status and one update per step, so that the registry read as of a past date (flows,
    trends, incidence by year) sees what the county saw then. The days are derived from
    the household number, not drawn, so the rest of the demo stays as it was."""
    day = 1 + int(number[-4:]) % 28

    def at(year: int, month: int) -> dt.datetime:
        return dt.datetime(year, month, day, 10, 0, tzinfo=TZ).astimezone(dt.UTC)

    steps: list[tuple[dt.datetime, dict[str, Any]]] = []
    if story.exit_year is not None:
        steps.append(
            (at(story.exit_year, 12), {"status": S.EXITED, "status_year": story.exit_year})
        )
    if story.removed_year is not None:
        steps.append(
            (at(story.removed_year, 9), {"status": S.REMOVED, "status_year": story.removed_year})
        )
    if story.status == S.RETURNED:
        steps.append(
            (at(story.status_year, 6), {"status": S.RETURNED, "status_year": story.status_year})
        )
    elif story.status == S.MONITORED and steps:
        steps.append(
            (
                at(story.status_year, 7),
                {
                    "status": S.MONITORED,
                    "status_year": story.status_year,
                    "monitoring_type": story.monitoring_type,
                },
            )
        )
    return steps


def household_records(h: Household, b: Bundle) -> list[SimpleNamespace]:
    """The creation record of a household and, when its story has steps, the creation
    with the status it was registered with followed by one update per step."""
    first = change_record(h, b.registered)
    story = b.story
    steps = status_path(story, h.number) if story is not None else []
    if story is None or not steps:
        return [first]
    state = dict(first.post_data)
    state.update(status=S.POOR, status_year=story.registered_year, monitoring_type="")
    first.post_data = dict(state)
    first.changes = {k: [None, v] for k, v in state.items() if v is not None}
    records = [first]
    last = b.registered
    for time, fields in steps:
        # A removal in the year of registration may fall on a day before it.
        time = last = max(time, last + dt.timedelta(days=1))
        before = dict(state)
        state.update(fields)
        records.append(
            SimpleNamespace(
                **{
                    **vars(first),
                    "time": time,
                    "action": ChangeAction.UPDATE,
                    "changes": {
                        k: [before[k], state[k]] for k in STATUS_FIELDS if before[k] != state[k]
                    },
                    "post_data": dict(state),
                }
            )
        )
    return records


def reference_record(
    instance: Registered, time: dt.datetime, related: Household | None = None
) -> ChangeRecord:
    """What `build_change` makes for the same creation (used by the tests)."""
    return build_change(
        actor=DEMO_ACTOR,
        instance=instance,
        action=ChangeAction.CREATE,
        before=None,
        area_code=_village_of(instance, related),
        reason=DEMO_REASON,
        related=related,
        time=time,
    )


def write_bundles(bundles: list[Bundle], result: DemoResult, ids: Ids) -> None:
    """Insert one batch of households with their members, incomes, assessments and the
    change record of every object."""
    households = [b.household for b in bundles]
    ids.assign(households)
    members: list[Member] = []
    incomes: list[IncomeRecord] = []
    assessments: list[Assessment] = []
    for b in bundles:
        children: list[Member | IncomeRecord | Assessment] = [
            *b.members,
            *b.incomes,
            *b.assessments,
        ]
        for x in children:
            x.household = b.household
        members.extend(b.members)
        incomes.extend(b.incomes)
        assessments.extend(b.assessments)
    ids.assign(members)
    ids.assign(incomes)
    ids.assign(assessments)
    records: list[SimpleNamespace] = []
    for b in bundles:
        h = b.household
        records.extend(household_records(h, b))
        for m, t in zip(b.members, b.member_times, strict=True):
            records.append(change_record(m, t, h))
        for x in b.incomes:
            records.append(change_record(x, income_time(x.year), h))
        for x in b.assessments:
            records.append(change_record(x, assessment_time(x.assessed_on), h))
    for objs in (households, members, incomes, assessments):
        bulk_insert(objs)
    bulk_record(records)
    result.households += len(households)
    result.members += len(members)
    result.incomes += len(incomes)
    result.assessments += len(assessments)
    result.changes += len(records)


def demo_exists() -> bool:
    return Household.objects.exists()


def wipe() -> None:
    """Remove registry data, its history and the demo logins (divisions stay)."""

    labels = [
        type_label(m)
        for m in (Household, Member, IncomeRecord, Assessment, MemberChange, Attachment)
    ]
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(connection.alias)
        ChangeRecord.objects.filter(user_name=DEMO_ACTOR.username)._raw_delete(connection.alias)
        for model in (Attachment, MemberChange, Assessment, IncomeRecord, Member, Household):
            model.objects.all()._raw_delete(connection.alias)
        User.objects.filter(username__in=[u for u, _r in LOGINS]).delete()
        VillageProfile.objects.update(
            is_poor_village=False, exit_year=None, rural_population=0, rural_households=0
        )


def _profiles(
    plans_and_fields: list[tuple[VillagePlan, dict[str, Any]]], result: DemoResult
) -> None:
    codes = [p.village.code for p, _f in plans_and_fields]
    existing = {vp.village_id: vp for vp in VillageProfile.objects.filter(village_id__in=codes)}
    records = []
    changed = []
    time = dt.datetime(2014, 3, 31, 9, 0, tzinfo=TZ).astimezone(dt.UTC)
    for plan, fields in plans_and_fields:
        vp = existing.get(plan.village.code) or VillageProfile(village_id=plan.village.code)
        before = snapshot(vp)
        for k, v in fields.items():
            setattr(vp, k, v)
        changed.append(vp)
        records.append(
            build_change(
                actor=DEMO_ACTOR,
                instance=vp,
                action=ChangeAction.UPDATE,
                before=before,
                area_code=plan.village.code,
                reason=DEMO_REASON,
                time=time,
            )
        )
    names = [f for f in next(iter(plans_and_fields))[1]] if plans_and_fields else []
    VillageProfile.objects.bulk_update(changed, names, batch_size=500)
    bulk_record(records)
    result.changes += len(records)


def create_users(area: str) -> list[User]:
    """One login per role, password `fupin-demo`; two of the township station (same
    township) and of the county office, and an inspector of the prefecture."""
    county = f"{COUNTY}000000"
    township = Division.objects.filter(level=Level.TOWNSHIP, code__startswith=COUNTY).order_by(
        "code"
    )[0]
    village_code = (
        Household.objects.in_area(township.prefix)
        .order_by("id")
        .values_list("village_id", flat=True)
        .first()
    ) or Household.objects.order_by("id").values_list("village_id", flat=True).first()
    areas = {
        "admin": None,
        "county": county,
        "county2": county,
        "township": township.code,
        "township2": township.code,
        "village": village_code,
        "civil_affairs": county,
        "inspector": county,
        "city_inspector": f"{PREFECTURE}00000000",
        "cadre": village_code,
    }
    units = {
        "county": "江华瑶族自治县扶贫开发办公室",
        "county2": "江华瑶族自治县扶贫开发办公室",
        "township": f"{township.name}扶贫工作站",
        "township2": f"{township.name}扶贫工作站",
        "civil_affairs": "江华瑶族自治县民政局",
        "inspector": "江华瑶族自治县纪委监委",
        "city_inspector": "永州市纪委监委",
        "cadre": "江华瑶族自治县农业农村局",
    }
    password = make_password(DEMO_PASSWORD)
    users = []
    for username, role in LOGINS:
        users.append(
            User(
                username=username,
                password=password,
                role=role,
                area_id=areas[username],
                unit=units.get(username, ""),
                is_superuser=username == "admin",
                is_staff=username == "admin",
            )
        )
    User.objects.bulk_create(users)
    return users


def logins() -> list[tuple[str, str, str, str]]:
    """(username, password, role label, area name) of the demo logins that exist."""
    names = [u for u, _r in LOGINS]
    users = {u.username: u for u in User.objects.filter(username__in=names).select_related("area")}
    rows = []
    for username, role in LOGINS:
        u = users.get(username)
        if u is None:
            continue
        area = "—" if u.area is None else _full_name(u.area)
        rows.append((username, DEMO_PASSWORD, str(Role(role).label), area))
    return rows


def _full_name(d: Division) -> str:
    parts = []
    node: Division | None = d
    while node is not None and node.level >= Level.COUNTY:
        parts.append(node.name)
        node = node.parent
    return "".join(reversed(parts)) or d.name  # above the county: its own name


def build(
    *, seed: int = 2017, scale: Scale | None = None, log: Callable[[str], None] | None = None
) -> DemoResult:
    """Load the divisions, then build the demo registry for `scale` from `seed`."""

    scale = scale or parse_scale("county")
    log = log or (lambda _msg: None)
    started = perf_counter()
    result = DemoResult()
    with transaction.atomic():
        loaded = load_demo_divisions(scale.area)
        log(
            f"divisions: {loaded.created} created, {loaded.updated} updated, "
            f"{loaded.unchanged} unchanged"
        )
        plans = plan_villages(scale, seed)
        counties = sorted({p.county for p in plans})
        gen = Generator(seed, IdNumbers(), counties)
        ids = Ids(*REGISTRY_MODELS)
        pending: list[Bundle] = []
        pending_members = 0
        profiles: list[tuple[VillagePlan, dict[str, Any]]] = []
        for plan in plans:
            bundles, fields = gen.village(plan)
            profiles.append((plan, fields))
            pending.extend(bundles)
            pending_members += sum(len(b.members) for b in bundles)
            if pending_members >= FLUSH_MEMBERS:
                write_bundles(pending, result, ids)
                log(f"  {result.households:,} households, {result.members:,} people …")
                pending, pending_members = [], 0
        if pending:
            write_bundles(pending, result, ids)
        reset_sequences(*REGISTRY_MODELS, ChangeRecord)
        analyze(*REGISTRY_MODELS, ChangeRecord)
        _profiles(profiles, result)
        result.villages = sum(1 for p in plans if p.has_poor)
        create_users(scale.area)
    result.seconds = perf_counter() - started
    return result
