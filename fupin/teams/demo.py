"""Demo data of the work teams, built after the assistance demo (its teams and their
members' terms), deterministic from the seed and the day it runs:

- **check-ins** of every current member for the last 61 days of their term (most on
  about 21 days of 30, one member in ten on about 11: under the requirement), most with
  a phone's position near the village, between 7:30 and 9:30;
- **leave** for about one member in six (3–7 days, approved by the township; one in
  ten such requests still waiting), no check-in on a leave day;
- the first secretary's **diary** (about weekly), **work ledger** entries and the
  **quarterly reports** of this year's past quarters (received by the township but the
  last one);
- the county's **team rules**: three members, twelve months, 20 days a month (a
  national default row would say the same: the county's row shows a region's version).

Written in bulk (`fupin.core.bulk`), each row with its change record, in one
transaction: a county's ≈20,000 check-ins in a few seconds."""

from __future__ import annotations

import datetime as dt
import random
import time as timer
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.assistance.models import TeamMembership, WorkTeam
from fupin.core.bulk import Ids, analyze, bulk_insert, reset_sequences
from fupin.core.history import bulk_record, creation_record, type_label
from fupin.core.models import ChangeRecord
from fupin.registry.demo import DEMO_ACTOR, TZ
from fupin.registry.models import Household
from fupin.teams import choices as c
from fupin.teams.models import (
    CheckIn,
    DiaryEntry,
    Leave,
    LedgerEntry,
    QuarterlyReport,
    TeamRules,
)

DEMO_REASON = "demo teams"
DAYS_BACK = 61
LAX_SHARE = 0.1
LEAVE_SHARE = 0.17
TEAM_LABEL = type_label(WorkTeam)
Log = Callable[[str], None] | None

DIARY = [
    "走访脱贫户，了解春耕备耕和务工情况",
    "召开村两委会议，研究产业项目申报",
    "入户核实监测户收入变化，登记风险点",
    "组织群众清理沟渠，开展人居环境整治",
    "到油茶基地查看长势，与合作社商量销售",
    "参加乡镇防返贫工作调度会",
    "接待村民来访，调解宅基地纠纷",
]
LEDGER = {
    c.LedgerCategory.VISITS: "逐户走访监测户，填写走访记录",
    c.LedgerCategory.INDUSTRY: "协调合作社收购香芋，带动脱贫户增收",
    c.LedgerCategory.INFRASTRUCTURE: "督促通组道路硬化施工进度",
    c.LedgerCategory.POLICY: "宣讲防返贫监测帮扶政策和医保缴费",
    c.LedgerCategory.PARTY: "组织党员学习，开展主题党日活动",
}
LEAVE_REASONS = ["回原单位参加培训", "家中老人住院", "病假", "年休假"]


def _aware(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


def build_demo(*, seed: int, log: Log = None, area: str = "431129") -> None:
    log = log or (lambda _m: None)
    started = timer.perf_counter()
    today = timezone.localdate()
    terms = list(
        TeamMembership.objects.in_area(area)
        .on(today)
        .select_related("team")
        .order_by("team_id", "id")
    )
    if not terms:
        log("teams: no work teams, nothing to build")
        return
    ids = Ids(CheckIn, Leave, DiaryEntry, LedgerEntry, QuarterlyReport, TeamRules)
    township_users = {
        u.area_id: u for u in User.objects.filter(role=Role.TOWNSHIP_STATION, area_id__isnull=False)
    }
    records: list = []

    def record(obj, time, village, related_team: int) -> None:
        records.append(
            creation_record(
                obj,
                time=time,
                actor=DEMO_ACTOR,
                reason=DEMO_REASON,
                area_code=village,
                related=(TEAM_LABEL, related_team),
            )
        )

    checkins: list[CheckIn] = []
    leaves: list[Leave] = []
    for term in terms:
        rng = random.Random(f"fupin-demo:{seed}:teams:{term.team.village_id}:{term.cadre_id}")
        village = term.team.village_id
        township = township_users.get(village[:9] + "000")
        first = max(term.start_date, today - dt.timedelta(days=DAYS_BACK))
        off: set[dt.date] = set()
        if rng.random() < LEAVE_SHARE:
            start = first + dt.timedelta(days=rng.randint(0, max(0, (today - first).days - 8)))
            end = min(start + dt.timedelta(days=rng.randint(2, 6)), today)
            waiting = rng.random() < 0.1
            leave = Leave(
                membership_id=term.pk,
                team_id=term.team_id,
                cadre_id=term.cadre_id,
                start_date=start,
                end_date=end,
                reason=rng.choice(LEAVE_REASONS),
                state=c.LeaveState.REQUESTED if waiting else c.LeaveState.APPROVED,
                requested_by=None,
                requested_at=_aware(start - dt.timedelta(days=2), 10, 0),
                decided_by=None if waiting else township,
                decided_at=None if waiting else _aware(start - dt.timedelta(days=1), 16, 0),
                decision_note="" if waiting else "同意",
            )
            ids.assign([leave])
            leaves.append(leave)
            record(leave, leave.requested_at, village, term.team_id)
            if not waiting:
                off = {start + dt.timedelta(days=i) for i in range((end - start).days + 1)}
        share = 0.37 if rng.random() < LAX_SHARE else 0.72
        lat = Decimal("25.18") + Decimal(int(village[-6:]) % 997) / Decimal(10000)
        lon = Decimal("111.58") + Decimal(int(village[-6:]) % 991) / Decimal(10000)
        day = first
        while day < today:
            if day not in off and rng.random() < share:
                at = _aware(day, rng.choice([7, 8, 8, 9]), rng.randrange(60))
                phone = rng.random() < 0.7
                ci = CheckIn(
                    membership_id=term.pk,
                    team_id=term.team_id,
                    cadre_id=term.cadre_id,
                    date=day,
                    checked_at=at,
                    latitude=(lat + Decimal(rng.randint(-50, 50)) / 100000) if phone else None,
                    longitude=(lon + Decimal(rng.randint(-50, 50)) / 100000) if phone else None,
                    accuracy_m=rng.randint(5, 60) if phone else None,
                    note="",
                    recorded_by=None,
                    on_behalf=not phone,
                )
                checkins.append(ci)
            day += dt.timedelta(days=1)
    ids.assign(checkins, CheckIn)
    village_of = {t.team_id: t.team.village_id for t in terms}
    for ci in checkins:
        record(ci, ci.checked_at, village_of[ci.team_id], ci.team_id)

    diary, ledger, reports = _records(seed, terms, today, township_users, ids, record)
    rules = TeamRules(
        region_id=area.ljust(12, "0"),
        effective_from=dt.date(2021, 1, 1),
        min_members=3,
        rotation_months=12,
        required_days=20,
        needs_first_secretary=True,
        needs_leader=True,
    )
    ids.assign([rules])
    records.append(
        creation_record(
            rules,
            time=_aware(dt.date(2021, 1, 1), 9, 0),
            actor=DEMO_ACTOR,
            reason=DEMO_REASON,
            area_code=rules.area_code,
        )
    )
    with transaction.atomic():
        bulk_insert([rules], TeamRules)
        bulk_insert(checkins, CheckIn)
        bulk_insert(leaves, Leave)
        bulk_insert(diary, DiaryEntry)
        bulk_insert([e for e, _h in ledger], LedgerEntry)
        through = LedgerEntry.households.through
        through.objects.bulk_create(
            [through(ledgerentry_id=e.pk, household_id=h) for e, hs in ledger for h in hs]
        )
        bulk_insert(reports, QuarterlyReport)
        bulk_record(records)
        reset_sequences(*MODELS, ChangeRecord)
        analyze(*MODELS)
    log(
        f"teams: {len(checkins):,} check-ins, {len(leaves)} leaves, {len(diary)} diary and "
        f"{len(ledger)} ledger entries, {len(reports)} quarterly reports "
        f"in {timer.perf_counter() - started:.1f} s"
    )


def _records(seed, terms, today, township_users, ids, record):
    """The first secretaries' diary, ledger and this year's past quarterly reports."""
    diary: list[DiaryEntry] = []
    ledger: list[tuple[LedgerEntry, list[int]]] = []
    reports: list[QuarterlyReport] = []
    secretaries = [t for t in terms if t.is_first_secretary]
    villages = {t.team.village_id for t in secretaries}
    households: dict[str, list[int]] = {}
    for hid, v in (
        Household.objects.filter(village_id__in=villages)
        .order_by("village_id", "number")
        .values_list("id", "village_id")
    ):
        households.setdefault(v, []).append(hid)
    past_quarters = [q for q in (1, 2, 3, 4) if dt.date(today.year, 3 * q, 28) < today]
    for term in secretaries:
        rng = random.Random(f"fupin-demo:{seed}:teams:records:{term.team_id}")
        village = term.team.village_id
        day = max(term.start_date, today - dt.timedelta(days=DAYS_BACK))
        while day < today:
            e = DiaryEntry(
                team_id=term.team_id,
                secretary_id=term.cadre_id,
                written_by=None,
                written_at=_aware(day, 20, rng.randrange(60)),
                date=day,
                text=rng.choice(DIARY),
            )
            diary.append(e)
            day += dt.timedelta(days=rng.randint(5, 9))
        for _ in range(rng.randint(2, 5)):
            day = today - dt.timedelta(days=rng.randint(1, DAYS_BACK))
            if day < term.start_date:
                continue
            category = rng.choice(list(LEDGER))
            entry = LedgerEntry(
                team_id=term.team_id,
                secretary_id=term.cadre_id,
                written_by=None,
                written_at=_aware(day, 18, 0),
                date=day,
                category=category,
                content=LEDGER[category],
            )
            pool = households.get(village, [])
            chosen = rng.sample(pool, min(len(pool), rng.randint(0, 3)))
            ledger.append((entry, chosen))
        township = township_users.get(village[:9] + "000")
        for q in past_quarters:
            end = dt.date(today.year, 3 * q, 28)
            if end < term.start_date:
                continue
            last = q == past_quarters[-1]
            r = QuarterlyReport(
                team_id=term.team_id,
                secretary_id=term.cadre_id,
                written_by=None,
                written_at=_aware(end + dt.timedelta(days=3), 17, 0),
                year=today.year,
                quarter=q,
                text=f"{today.year}年第{q}季度：走访农户、产业发展、防返贫监测和村级组织建设情况。",
                state=c.ReportState.SUBMITTED if last else c.ReportState.RECEIVED,
                received_by=None if last else township,
                received_at=None if last else _aware(end + dt.timedelta(days=10), 10, 0),
            )
            reports.append(r)
    ids.assign(diary, DiaryEntry)
    ids.assign([e for e, _h in ledger], LedgerEntry)
    ids.assign(reports, QuarterlyReport)
    village_of = {t.team_id: t.team.village_id for t in secretaries}
    for obj in [*diary, *(e for e, _h in ledger), *reports]:
        record(obj, obj.written_at, village_of[obj.team_id], obj.team_id)
    return diary, ledger, reports


MODELS = (CheckIn, Leave, DiaryEntry, LedgerEntry, QuarterlyReport, TeamRules)


def wipe_demo() -> None:
    """Remove every row of the app with its change records (before the assistance wipe,
    whose terms and teams they point to)."""
    labels = [type_label(m) for m in MODELS]
    alias = connection.alias
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(alias)
        LedgerEntry.households.through.objects.all()._raw_delete(alias)
        for model in MODELS:
            model.objects.all()._raw_delete(alias)
