"""Demo data of return-to-poverty monitoring (防返贫动态监测) for the demo registry.

Built after `fupin.registry.demo`, deterministic from the seed (and the day it runs: the
open warnings and their deadlines are placed around today so that some are overdue):

- every household the registry demo left with status "monitored" becomes an **active
  monitoring object** of its `monitoring_type` (unstable exited 脱贫不稳定户, edge 边缘易
  致贫户, sudden hardship 突发严重困难户), monitored since the day its history shows the
  status "monitored", with one or two risk types and a risk level history (raised and
  lowered over 2021 to today, recorded as one update each);
- about 4% of the exited households were monitoring objects for a while and had their
  risk eliminated (风险消除) in 2022–2025: an **ended** object, and the household's own
  history shows exited → monitored → exited on those days (its current row is unchanged);
- **warnings** from the three channels (data rules, cadres' visits, self-reports, some
  through the public page), routed by cause to the department of `services.ROUTING` with
  the deadline of the rule settings: closed with risk eliminated in 2021–2025 (with the
  departments' measures, some reviewed), and open now: within the deadline, overdue, or
  escalated with a raised level; a warning above the object's level raises it, as
  `warning_create` does.

Why not through the services: `monitoring_open` opens a case (fupin.cases) that passes
through five steps; through the services the ≈2,900 objects, ≈5,000 warnings and their
measures would take minutes. The objects are created directly in bulk, each linked to the
monitoring case that put its household under monitoring (`MonitoringObject.case`): for
the households the registry demo put under monitoring, the passed case the cases demo
(`fupin.cases.demo`, built before this one) made for that status change; for the ended
objects, whose exited → monitored → exited episode this demo writes, a passed monitoring
case made here with `fupin.cases.demo.CaseMaker`, closed at the moment the household
became monitored. The end of monitoring is the monitoring procedure's own step (风险消除):
the ENDED object's change record. Every row gets its change records, written the way
`fupin.registry.demo.change_record` writes them (same snapshot, same labels).

Then two **grading rounds** of every demo county, "2021 H1" (as of 30 June 2021) and "2021
H2" (as of 31 December 2021; see `ROUNDS` for why 2021), through `grading.grade_round` with the
code's default rules, and a few dozen adjustments by the demo township users through
`grading.grade_adjust` (H1's before H2 runs, so H2's "previous colour" shows them), each
recorded as any adjustment is.

`wipe_demo` removes every monitoring object, warning and measure with their change
records, the grading rounds and grades with theirs, the monitoring cases of the ended
objects (made here) and the household updates this demo wrote (reason `DEMO_REASON`), so
the cases and registry wipes that follow meet no protected foreign key.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
import time as timer
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from fupin.accounts.models import User
from fupin.cases import demo as cases_demo
from fupin.cases.models import Case, CaseStatus
from fupin.cases.procedures import CaseKind
from fupin.core import context
from fupin.core.bulk import Ids, analyze, bulk_insert, reset_sequences
from fupin.core.history import snapshot, type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.geo.models import Division, Level
from fupin.monitoring import grading
from fupin.monitoring.models import (
    LEVEL_RANK,
    Channel,
    GradeColour,
    GradingRound,
    HouseholdGrade,
    Measure,
    MonitoringObject,
    MonitoringStatus,
    RiskLevel,
    RiskType,
    RiskWarning,
    Source,
    WarningStatus,
    level_above,
)
from fupin.monitoring.services import ROUTING, rules_for
from fupin.registry.choices import HouseholdStatus, MonitoringType, PovertyCause, Relation
from fupin.registry.demo import DEMO_ACTOR, TZ
from fupin.registry.models import Household, Member

DEMO_REASON = "demo monitoring"
MODELS = (MonitoringObject, RiskWarning, Measure)
GRADING_MODELS = (GradingRound, HouseholdGrade)
# The demo's grading rounds: name and as-of date.
# The registry demo's income records end with 2020 (`registry.demo.INCOME_YEARS`): a round
# as of 2021 reads the 2020 incomes as the year before's, and the warnings of 2021; a
# later round would grade every household yellow for its missing income record (rule Y4).
# So the rounds have no overdue-loan signal: the microcredit demo lends from 2022 on (and
# runs after this one, INSTALLED_APPS order); running the rounds after it changes nothing
# until the registry demo's incomes reach the loans' years.
ROUNDS = (("2021 H1", dt.date(2021, 6, 30)), ("2021 H2", dt.date(2021, 12, 31)))
ADJUST_SHARE = 0.02  # of a township's red and orange grades, at most ADJUST_MAX
ADJUST_MAX = 25
ADJUST_REASONS = (
    "入户核实：务工收入已稳定，风险可控",
    "入户核实：大病报销后自付部分已解决",
    "入户核实：家庭主要劳动力受伤，收入骤减",
    "村民代表评议：住房存在安全隐患",
)
ENDED_SHARE = 0.04  # of the exited households: monitored for a while, risk eliminated
STRAY_WARNING_SHARE = 0.015  # of the exited households: an open warning now
RANKED = sorted(LEVEL_RANK, key=LEVEL_RANK.__getitem__)  # low … major

Log = Callable[[str], None] | None

LEVEL_WEIGHTS: dict[str, dict[str, int]] = {
    MonitoringType.UNSTABLE_EXITED: {"major": 4, "serious": 18, "general": 45, "low": 33},
    MonitoringType.EDGE: {"major": 2, "serious": 14, "general": 42, "low": 42},
    MonitoringType.SUDDEN_HARDSHIP: {"major": 14, "serious": 34, "general": 36, "low": 16},
}
TYPE_WEIGHTS: dict[str, dict[str, int]] = {
    MonitoringType.UNSTABLE_EXITED: {
        "unstable_work": 30,
        "illness": 25,
        "lack_labour": 15,
        "schooling": 10,
        "business_failure": 10,
        "disability": 10,
    },
    MonitoringType.EDGE: {
        "illness": 30,
        "unstable_work": 20,
        "disability": 15,
        "housing": 10,
        "schooling": 10,
        "water": 5,
        "lack_labour": 10,
    },
    MonitoringType.SUDDEN_HARDSHIP: {
        "illness": 40,
        "accident": 20,
        "disaster": 20,
        "family_change": 15,
        "other": 5,
    },
}
CAUSE_OF_POVERTY: dict[str, str] = {
    PovertyCause.ILLNESS: RiskType.ILLNESS,
    PovertyCause.DISABILITY: RiskType.DISABILITY,
    PovertyCause.SCHOOLING: RiskType.SCHOOLING,
    PovertyCause.DISASTER: RiskType.DISASTER,
    PovertyCause.LACK_LABOUR: RiskType.LACK_LABOUR,
    PovertyCause.LACK_WATER: RiskType.WATER,
}
# Which data rule raises a warning of a cause (other causes come from visits/reports).
DATA_SOURCE: dict[str, str] = {
    RiskType.ILLNESS: Source.MEDICAL_HIGH,
    RiskType.DISABILITY: Source.DISABILITY_NEW,
    RiskType.FAMILY_CHANGE: Source.DEATH_ACTIVE,
    RiskType.UNSTABLE_WORK: Source.INCOME_LOW,
    RiskType.DISASTER: Source.DISASTER_LIST,
}
# The level a data rule proposes (the others: a random one).
SOURCE_LEVEL: dict[str, str] = {
    Source.MEDICAL_HIGH: RiskLevel.SERIOUS,
    Source.DISABILITY_NEW: RiskLevel.GENERAL,
    Source.DEATH_ACTIVE: RiskLevel.MAJOR,
    Source.INCOME_LOW: RiskLevel.SERIOUS,
}
EVIDENCE: dict[str, list[str]] = {
    RiskType.ILLNESS: [
        "家庭成员患重病住院，年度自付医疗费用约{n}元，超过家庭年收入一半。",
        "医保部门比对：户内成员年度住院自付费用{n}元，超出预警线。",
        "户主确诊慢性病需长期服药，每月自付药费约{m}元。",
    ],
    RiskType.DISABILITY: [
        "残联比对：户内新增持证残疾人一名（{g}级），劳动能力下降。",
        "家庭成员因病致残，需长期护理，家庭劳动力减少。",
    ],
    RiskType.SCHOOLING: [
        "两名子女同时就读高中和大学，年度教育支出约{n}元。",
        "子女考入大学，学费及生活费约{n}元，家庭难以负担。",
    ],
    RiskType.DISASTER: [
        "受强降雨影响，房屋受损、农作物绝收，损失约{n}元。",
        "山洪冲毁责任田{k}亩及养殖设施，当年产业收入大幅减少。",
    ],
    RiskType.ACCIDENT: [
        "家庭主要劳动力发生交通事故，住院治疗，预计半年内无法务工。",
        "务工期间意外受伤，医疗费用约{n}元，收入中断。",
    ],
    RiskType.BUSINESS_FAILURE: [
        "生猪价格下跌，养殖亏损约{n}元。",
        "种植的柑橘遭遇滞销，当年产业收入不足往年一半。",
    ],
    RiskType.UNSTABLE_WORK: [
        "收入监测：家庭人均纯收入{p}元，低于当年监测标准。",
        "外出务工人员返乡失业超过三个月，家庭工资性收入明显减少。",
    ],
    RiskType.LACK_LABOUR: [
        "家庭主要劳动力年老体弱，无稳定收入来源。",
        "唯一劳动力需照顾重病老人，无法外出务工。",
    ],
    RiskType.HOUSING: ["入户排查发现房屋墙体开裂，经鉴定为C级危房。"],
    RiskType.WATER: ["入户排查发现自来水管网损坏，饮水无保障已超过一个月。"],
    RiskType.FAMILY_CHANGE: [
        "户主因病去世，家庭失去主要收入来源。",
        "家庭成员离婚后独自抚养两名未成年子女，收入骤减。",
    ],
    RiskType.OTHER: ["群众反映家庭生活困难，需入户核实。"],
}
# Per department: what it did and the range of the amount (None: no amount).
MEASURES: dict[str, list[tuple[str, tuple[int, int] | None]]] = {
    "health_insurance": [
        ("落实基本医保、大病保险和医疗救助三重保障，报销住院费用", (3000, 30000)),
        ("办理门诊慢特病待遇，减轻长期用药负担", (800, 4000)),
    ],
    "disabled_federation": [
        ("办理残疾人证，落实困难残疾人生活补贴和重度残疾人护理补贴", (1200, 2400)),
        ("提供辅助器具适配和康复服务", None),
    ],
    "education": [
        ("落实国家助学金及生源地信用助学贷款", (2000, 8000)),
        ("纳入雨露计划职业教育补助", (1500, 3000)),
    ],
    "emergency": [
        ("发放临时生活救助和受灾群众冬春救助", (1000, 5000)),
        ("协调保险理赔并组织灾后恢复生产", None),
    ],
    "human_resources": [
        ("推荐到县内帮扶车间稳定就业", None),
        ("开发乡村公益性岗位安置就业", (6000, 9600)),
        ("组织参加职业技能培训并发放培训补贴", (600, 1500)),
    ],
    "housing": [("纳入农村危房改造，完成房屋加固", (15000, 35000))],
    "water": [("修复入户供水管网，恢复安全饮水", (500, 3000))],
    "civil_affairs": [
        ("纳入农村低保，按月发放低保金", (2400, 6000)),
        ("给予临时救助", (1000, 5000)),
    ],
}
CLOSING_NOTES = [
    "帮扶措施落实到位，收入稳定超过监测标准，两不愁三保障均已实现，经村级评议、乡镇审核，标注风险消除。",
    "医疗费用已报销，家庭收支恢复正常，经核实风险已消除。",
    "家庭成员已稳定就业，人均纯收入高于监测标准，风险消除。",
]
REVIEWS = [
    ("部门响应及时，措施对症，家庭收入恢复较快。", ""),
    ("三重医疗保障落实到位。", "信息比对滞后，发现风险较晚。"),
    ("公益性岗位解决了就业问题。", "产业帮扶见效慢，需持续跟踪。"),
]


def _pick[K](rng: random.Random, weights: Mapping[K, int]) -> K:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=TZ).astimezone(dt.UTC)


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    if last <= first:
        return first
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def _evidence(rng: random.Random, cause: str) -> str:
    text = rng.choice(EVIDENCE[cause])
    return text.format(
        n=rng.randrange(8000, 60000, 100),
        m=rng.randrange(300, 1500, 10),
        g=rng.choice("一二三四"),
        k=rng.randint(1, 5),
        p=rng.randrange(5000, 6800, 10),
    )


class Records:
    """Change records in the shape `fupin.registry.demo.change_record` gives them."""

    def __init__(self) -> None:
        self.rows: list[SimpleNamespace] = []

    def add(
        self,
        instance,
        time: dt.datetime,
        area: str,
        related,
        before: dict | None,
        reason: str = DEMO_REASON,
    ) -> None:
        post = snapshot(instance)
        if before is None:
            action = ChangeAction.CREATE
            changes = {k: [None, v] for k, v in post.items() if v is not None}
        else:
            action = ChangeAction.UPDATE
            changes = {k: [before.get(k), v] for k, v in post.items() if before.get(k) != v}
        self.rows.append(
            SimpleNamespace(
                id=None,
                time=time,
                user_id=None,
                user_name=DEMO_ACTOR.username,
                request_id=context.request_id.get(),
                action=action,
                object_type=type_label(instance),
                object_id=str(instance.pk),
                object_repr=str(instance)[:200],
                related_type=type_label(related) if related is not None else "",
                related_id=str(related.pk) if related is not None else "",
                area_code=area,
                changes=changes,
                post_data=post,
                reason=reason,
            )
        )


class Builder:
    def __init__(self, seed: int, today: dt.date) -> None:
        self.seed = seed
        self.today = today
        self.ids = Ids(*MODELS, ChangeRecord)
        self.records = Records()
        self.objects: list[MonitoringObject] = []
        self.warnings: list[RiskWarning] = []
        self.measures: list[Measure] = []
        self.household_records: list[SimpleNamespace] = []
        self.heads: dict[int, str] = {}
        self._rules: dict[str, tuple[int, int]] = {}

    @staticmethod
    def open_age(rng: random.Random) -> int:
        """Days since an open warning came in: most within the response time."""
        return rng.randint(0, 9) if rng.random() < 0.72 else rng.randint(10, 40)

    def rng(self, *key) -> random.Random:
        return random.Random(":".join(str(k) for k in (self.seed, "monitoring", *key)))

    def rules(self, village: str) -> tuple[int, int]:
        county = village[:6]
        if county not in self._rules:
            r = rules_for(county.ljust(12, "0"), self.today.year)
            self._rules[county] = (r.response_days, r.escalation_days)
        return self._rules[county]

    # ------------------------------------------------------------ objects

    def monitored_since(self, households: list[Household]) -> dict[int, dt.date]:
        """The local day each household's history first shows the status "monitored"."""
        ids = [str(h.pk) for h in households]
        since: dict[int, dt.date] = {}
        for i in range(0, len(ids), 900):
            rows = (
                ChangeRecord.objects.filter(
                    object_type=type_label(Household), object_id__in=ids[i : i + 900]
                )
                .order_by("time", "id")
                .values_list("object_id", "time", "post_data")
            )
            for oid, time, post in rows:
                hid = int(oid)
                if hid not in since and (post or {}).get("status") == HouseholdStatus.MONITORED:
                    since[hid] = time.astimezone(TZ).date()
        return since

    def risk_types(self, rng: random.Random, h: Household, kind: str) -> list[str]:
        first = CAUSE_OF_POVERTY.get(h.main_cause) if kind != MonitoringType.EDGE else None
        types = [first or _pick(rng, TYPE_WEIGHTS[kind])]
        if rng.random() < 0.35:
            types.append(_pick(rng, TYPE_WEIGHTS[kind]))
        return list(dict.fromkeys(types))

    def monitor(
        self,
        h: Household,
        kind: str,
        start: dt.date,
        end: dt.date | None,
        rng: random.Random,
        case_id: int | None = None,
    ) -> None:
        """One monitoring object with its level history and warnings, from `start` to
        `end` (None: still monitored), put under monitoring by case `case_id`."""
        types = self.risk_types(rng, h, kind)
        obj = MonitoringObject(
            household_id=h.pk,
            case_id=case_id,
            monitoring_type=kind,
            status=MonitoringStatus.ACTIVE,
            risk_level=_pick(rng, LEVEL_WEIGHTS[kind]),
            previous_level="",
            level_changed_on=None,
            risk_types=types,
            started_on=start,
            created_at=_at(start, 9),
        )
        self.ids.assign([obj])
        self.objects.append(obj)
        self.records.add(obj, obj.created_at, h.village_id, h, None)
        last = end or self.today
        # Events: random level reviews and warnings, in the order of their days.
        events: list[tuple[dt.date, str]] = []
        for _ in range(_pick(rng, {0: 30, 1: 35, 2: 22, 3: 13})):
            events.append((_day_between(rng, start + dt.timedelta(days=30), last), "review"))
        n_closed = _pick(rng, {0: 45, 1: 40, 2: 15})
        for _ in range(n_closed):
            first = max(start, dt.date(2021, 1, 1))
            events.append((_day_between(rng, first, last - dt.timedelta(days=70)), "closed"))
        if end is None and rng.random() < 0.14:
            events.append((self.today - dt.timedelta(days=self.open_age(rng)), "open"))
        heapq.heapify(events)
        causes_open: set[str] = set()
        while events:
            day, what = heapq.heappop(events)
            if day < start or day > last:
                continue
            rank = LEVEL_RANK[obj.risk_level]
            if what == "review":
                # Levels go down more often than up as the measures take effect.
                up = rng.random() < (0.25 if day.year >= 2023 else 0.35)
                rank = min(4, rank + 1) if up else max(1, rank - 1)
                self.set_level(obj, h, RANKED[rank - 1], day, "入户走访复核，调整风险等级")
            elif what == "relief":
                reason = "预警风险已消除，下调风险等级"
                self.set_level(obj, h, RANKED[max(1, rank - 1) - 1], day, reason)
            elif what.startswith("raise:"):
                level = what.removeprefix("raise:")
                if LEVEL_RANK[level] > rank:
                    self.set_level(obj, h, level, day, "超期未响应，升级督办")
            else:
                cause = rng.choice(types) if rng.random() < 0.7 else _pick(rng, TYPE_WEIGHTS[kind])
                if what == "open" and cause in causes_open:
                    continue
                w, escalated_on = self.warning(
                    h, rng, cause, day, closed=what == "closed", until=last
                )
                if w.status != WarningStatus.ELIMINATED:
                    causes_open.add(cause)
                elif w.closed_at is not None:
                    heapq.heappush(events, (w.closed_at.astimezone(TZ).date(), "relief"))
                # As `warning_create` and `warning_escalate` do: a warning above the
                # object's level raises it, on the day it comes in or is escalated.
                if LEVEL_RANK[w.proposed_level] > rank:
                    self.set_level(obj, h, w.proposed_level, day, str(w))
                if escalated_on is not None:
                    heapq.heappush(events, (escalated_on, f"raise:{w.level}"))
        if end is not None:
            before = snapshot(obj)
            obj.status = MonitoringStatus.ENDED
            self.records.add(obj, _at(end, 16), h.village_id, h, before, "风险消除，退出监测")

    def set_level(self, obj: MonitoringObject, h: Household, level: str, day, reason) -> None:
        if level == obj.risk_level:
            return
        before = snapshot(obj)
        obj.previous_level = obj.risk_level
        obj.risk_level = level
        obj.level_changed_on = day
        self.records.add(obj, _at(day, 15), h.village_id, h, before, reason)

    # ------------------------------------------------------------ warnings

    def warning(
        self,
        h: Household,
        rng: random.Random,
        cause: str,
        day: dt.date,
        closed: bool,
        until: dt.date | None = None,
    ) -> tuple[RiskWarning, dt.date | None]:
        """A warning with its history and measures, and the day it was escalated (None:
        never; the object's level follows on that day)."""
        until = until or self.today
        response, escalation = self.rules(h.village_id)
        source = DATA_SOURCE.get(cause, "")
        channel = _pick(rng, {Channel.DATA: 45 if source else 0, Channel.VISIT: 40, "self": 15})
        public = False
        reporter = ""
        if channel == "self":
            channel = Channel.SELF_REPORT
            public = rng.random() < 0.6
            reporter = self.heads.get(h.pk, "")
        if channel != Channel.DATA:
            source = ""
        level = _pick(rng, {"major": 5, "serious": 25, "general": 50, "low": 20})
        if source:
            level = SOURCE_LEVEL.get(source, level)
        created = _at(day, 11)
        w = RiskWarning(
            household_id=h.pk,
            member=None,
            channel=channel,
            source=source,
            public=public,
            cause=cause,
            evidence=_evidence(rng, cause),
            proposed_level=level,
            level=level,
            department=ROUTING[cause],
            deadline=day + dt.timedelta(days=response),
            status=WarningStatus.OPEN,
            escalations=0,
            open_key=f"{h.pk}:{cause}",
            reporter_name=reporter,
            reporter_phone="",
            created_by=None,
            created_at=created,
        )
        self.ids.assign([w])
        self.warnings.append(w)
        self.records.add(w, created, h.village_id, h, None)
        # Escalation: the department missed the deadline.
        escalated_on: dt.date | None = None
        overdue_now = w.deadline < self.today
        if (closed and rng.random() < 0.12) or (not closed and overdue_now and rng.random() < 0.4):
            esc_day = w.deadline + dt.timedelta(days=rng.randint(1, 4))
            if esc_day <= self.today:
                before = snapshot(w)
                w.level = level_above(w.level)
                w.status = WarningStatus.ESCALATED
                w.escalations = 1
                w.deadline = esc_day + dt.timedelta(days=escalation)
                self.records.add(
                    w, _at(esc_day, 9), h.village_id, h, before, "超期未响应，升级督办"
                )
                escalated_on = esc_day
                day = esc_day
        # Measures of the routed department: every closed warning, some open ones.
        n = rng.choice([1, 1, 2]) if closed else (1 if rng.random() < 0.35 else 0)
        last_measure = day
        for i in range(n):
            taken = min(until, day + dt.timedelta(days=rng.randint(2, 9) + 10 * i))
            description, span = rng.choice(MEASURES[w.department])
            amount = Decimal(rng.randrange(span[0], span[1], 100)) if span else None
            m = Measure(
                warning_id=w.pk,
                department=w.department,
                description=description,
                amount=amount,
                taken_on=taken,
                recorded_by=None,
                recorded_at=_at(taken, 17),
            )
            self.ids.assign([m])
            self.measures.append(m)
            self.records.add(m, m.recorded_at, h.village_id, w, None)
            last_measure = max(last_measure, taken)
        if closed:
            close_day = min(until, last_measure + dt.timedelta(days=rng.randint(15, 60)))
            before = snapshot(w)
            w.status = WarningStatus.ELIMINATED
            w.open_key = None
            w.closed_at = _at(close_day, 16)
            w.closing_note = rng.choice(CLOSING_NOTES)
            self.records.add(w, w.closed_at, h.village_id, h, before, w.closing_note)
            if rng.random() < 0.3:
                before = snapshot(w)
                w.review_worked, w.review_not_worked = rng.choice(REVIEWS)
                w.reviewed_at = w.closed_at + dt.timedelta(days=rng.randint(3, 20))
                self.records.add(w, w.reviewed_at, h.village_id, h, before)
        return w, escalated_on

    # ------------------------------------------------------------ household history

    def household_episode(self, h: Household, start: dt.date, end: dt.date) -> None:
        """The household's own history: exited → monitored (unstable exited) → exited."""
        state = snapshot(h)
        before = dict(state)
        state.update(
            status=HouseholdStatus.MONITORED, monitoring_type=MonitoringType.UNSTABLE_EXITED
        )
        after = dict(state)
        for time, old, new in (
            (_at(start, 8), before, after),
            (_at(end, 17), after, before),
        ):
            self.household_records.append(
                SimpleNamespace(
                    id=None,
                    time=time,
                    user_id=None,
                    user_name=DEMO_ACTOR.username,
                    request_id=context.request_id.get(),
                    action=ChangeAction.UPDATE,
                    object_type=type_label(Household),
                    object_id=str(h.pk),
                    object_repr=str(h)[:200],
                    related_type="",
                    related_id="",
                    area_code=h.village_id,
                    changes={k: [old[k], new[k]] for k in new if old.get(k) != new[k]},
                    post_data=dict(new),
                    reason=DEMO_REASON,
                )
            )

    # ------------------------------------------------------------ writing

    def write(self) -> None:
        rows = self.records.rows + self.household_records
        self.ids.assign(rows, ChangeRecord)
        for model, objs in (
            (MonitoringObject, self.objects),
            (RiskWarning, self.warnings),
            (Measure, self.measures),
        ):
            bulk_insert(objs, model)
        bulk_insert(rows, ChangeRecord)
        reset_sequences(*MODELS, ChangeRecord)
        analyze(*MODELS, ChangeRecord)


def build_demo(*, seed: int, log: Log = None) -> None:
    """Monitoring objects, risk level histories, warnings and measures for the demo
    registry (see the module docstring). Does nothing when monitoring objects exist."""
    log = log or (lambda _msg: None)
    if MonitoringObject.objects.exists():
        log("monitoring: objects exist already; nothing built")
        return
    started = timer.perf_counter()
    today = timezone.localdate()
    b = Builder(seed, today)
    fields = ("id", "number", "village_id", "status", "monitoring_type", "main_cause")
    monitored = list(
        Household.objects.filter(status=HouseholdStatus.MONITORED)
        .exclude(monitoring_type="")
        .only(*fields)
        .order_by("number")
    )
    exited = list(Household.objects.filter(status=HouseholdStatus.EXITED).order_by("number"))
    chosen = [h for h in exited if b.rng("ended", h.number).random() < ENDED_SHARE]
    chosen_ids = {h.pk for h in chosen}
    stray = [
        h
        for h in exited
        if h.pk not in chosen_ids and b.rng("stray", h.number).random() < STRAY_WARNING_SHARE
    ]
    b.heads = dict(
        Member.objects.filter(
            relation=Relation.HEAD,
            is_active=True,
            household_id__in=[h.pk for h in (*monitored, *chosen, *stray)],
        ).values_list("household_id", "name")
    )
    since = b.monitored_since(monitored)
    # The monitoring case that put each household under monitoring (the cases demo's),
    # the latest one when there are several.
    case_of = dict(
        Case.objects.filter(
            kind=CaseKind.MONITORING,
            status=CaseStatus.PASSED,
            household_id__in=[h.pk for h in monitored],
        )
        .order_by("closed_at", "id")
        .values_list("household_id", "id")
    )
    paths = []
    for h in chosen:
        rng = b.rng("ended", h.number, "path")
        start = _day_between(rng, dt.date(2021, 3, 1), dt.date(2023, 12, 31))
        end = _day_between(rng, start + dt.timedelta(days=240), min(dt.date(2025, 12, 31), today))
        paths.append((h, rng, start, end))
    with transaction.atomic():
        ended_cases = _episode_cases(seed, paths)
        # The cases took change record keys: hand out the keys of this demo after them.
        b.ids = Ids(*MODELS, ChangeRecord)
        for h in monitored:
            rng = b.rng("object", h.number)
            start = since.get(h.pk) or dt.date(2021, 3, 1)
            b.monitor(h, h.monitoring_type, start, None, rng, case_of.get(h.pk))
        for h, rng, start, end in paths:
            case = ended_cases[(h.pk, _at(start, 8))]
            b.monitor(h, MonitoringType.UNSTABLE_EXITED, start, end, rng, case.id)
            b.household_episode(h, start, end)
        for h in stray:
            rng = b.rng("stray", h.number, "warning")
            cause = _pick(rng, TYPE_WEIGHTS[MonitoringType.EDGE])
            b.warning(h, rng, cause, today - dt.timedelta(days=b.open_age(rng)), closed=False)
        b.write()
    open_now = sum(1 for w in b.warnings if w.status != WarningStatus.ELIMINATED)
    overdue = sum(
        1 for w in b.warnings if w.status != WarningStatus.ELIMINATED and w.deadline < today
    )
    log(
        f"monitoring: {len(monitored):,} active objects, {len(chosen):,} ended (risk "
        f"eliminated), {len(b.warnings):,} warnings ({open_now:,} open, {overdue:,} overdue), "
        f"{len(b.measures):,} measures, "
        f"{len(b.records.rows) + len(b.household_records):,} change records "
        f"in {timer.perf_counter() - started:.1f} s"
    )
    build_grading(seed=seed, today=today, log=log)


def build_grading(*, seed: int, today: dt.date, log: Log = None) -> None:
    """The two grading rounds of each demo county with the township users' adjustments
    (see the module docstring). Does nothing when rounds exist."""
    log = log or (lambda _msg: None)
    if GradingRound.objects.exists():
        return
    counties = [
        c
        for c in Division.objects.filter(level=Level.COUNTY).order_by("code")
        if Household.objects.filter(village__code__startswith=c.prefix).exists()
    ]
    townships = list(
        User.objects.filter(username__in=["township", "township2"], area__isnull=False)
    )
    for county in counties:
        for name, as_of in ROUNDS:
            as_of = min(as_of, today)
            r = grading.grade_round(area=county.code, name=name, as_of=as_of)
            counts = ", ".join(f"{c} {n:,}" for c, n in r.counts.items())
            log(
                f"monitoring: grading round {name} of {county.name}: {r.households:,} "
                f"households ({counts}) in {r.seconds:.1f} s"
            )
            if r.round is not None:
                _adjust(r.round, townships, random.Random(f"{seed}:{name}:{county.code}"))


def _adjust(rnd: GradingRound, townships: list[User], rng: random.Random) -> None:
    """A township user's review: a few red and orange households set one colour lower or
    higher, with the reason found at the visit."""
    for user in townships:
        assert user.area is not None
        grades = list(
            HouseholdGrade.objects.filter(
                round=rnd,
                village__code__startswith=user.area.prefix,
                colour__in=[GradeColour.RED, GradeColour.ORANGE],
                adjusted_by__isnull=True,
            ).order_by("household_id")
        )
        n = min(ADJUST_MAX, max(1, round(len(grades) * ADJUST_SHARE)), len(grades))
        picked = rng.sample(grades, n)
        for g in picked:
            lower = rng.random() < 0.7
            colour = (
                (GradeColour.ORANGE if g.colour == GradeColour.RED else GradeColour.YELLOW)
                if lower
                else GradeColour.RED
            )
            if colour == g.colour:
                colour = GradeColour.YELLOW
            grading.grade_adjust(
                actor=user, grade=g, colour=colour, reason=rng.choice(ADJUST_REASONS)
            )


def _episode_cases(seed: int, paths: list[tuple]) -> dict:
    """The passed monitoring case of each ended object's episode (exited → monitored),
    closed when the household's history shows it monitored (`household_episode`)."""
    changes = [
        cases_demo.Change(
            h.pk, h.number, h.village_id, CaseKind.MONITORING, _at(start, 8), HouseholdStatus.EXITED
        )
        for h, _rng, start, _end in paths
    ]
    if not changes:
        return {}
    with cases_demo.no_gc():
        signers = cases_demo.Signers({c.village for c in changes}, seed)
        maker = cases_demo.CaseMaker(seed, signers)
        made = maker.make(changes)
        maker.write()
    return made


def wipe_demo() -> None:
    """Remove every monitoring object, warning and measure, their change records, the
    monitoring cases of the ended objects and the household updates of this demo (run
    before the cases and registry wipes)."""
    labels = [type_label(m) for m in (*MODELS, *GRADING_MODELS)]
    ended_cases = list(
        MonitoringObject.objects.filter(
            status=MonitoringStatus.ENDED, case__isnull=False
        ).values_list("case_id", flat=True)
    )
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(connection.alias)
        ChangeRecord.objects.filter(
            object_type=type_label(Household), reason=DEMO_REASON
        )._raw_delete(connection.alias)
        for model in (HouseholdGrade, GradingRound, Measure, RiskWarning, MonitoringObject):
            model.objects.all()._raw_delete(connection.alias)
        cases_demo.wipe_cases(ended_cases)
