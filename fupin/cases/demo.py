"""Demo data of the cases (纳入, 退出, 清退, 返贫, 纳入监测): the procedure behind every
household status the registry demo put on record.

Built after `fupin.registry.demo` (and before `fupin.monitoring.demo`, which links its
monitoring objects to the monitoring cases made here), deterministic from the seed. For
every change of a household's status in its history — the registration as 未脱贫 (poor)
or straight under monitoring, each exit, removal, return and the start of monitoring —
there is the PASSED case of the kind that decides it (`KIND_OF`), made the way
`fupin.cases.services` would make it:

- its steps done in order, each `CaseStep` signed by a user of the step's role whose area
  covers the village (the village's clerk, one of the township's two station users, one of
  the county's two office users: the demo logins `village`, `township`/`township2` and
  `county`/`county2` where they are, users named `demo-…` created here elsewhere), spread
  over the weeks before the status change; the four-eyes rule holds — no township or
  county review is taken by the user who opened the case or did one of its earlier steps;
- a public notice (公示) per village and round (kind, year and month of the change) for
  the notice step: posted, ended and completed, the notice step passed the day after the
  period ended ("system"), as `advance_expired_notices` does; on a few notices an objection,
  verified and dismissed by the township before the period ended;
- `status_before` set, `closed_at` the very moment the household's history shows the
  status change, a removal's written notice (告知书) on the day it passed;
- the policy decision snapshot (`Case.decision`) is left empty: these are historic cases,
  decided before the system held the policy in force then, and a snapshot taken today
  would not be what the county decided on;
- change records for the case (created when opened, updated when it passed), each step,
  notice and objection, written in bulk like `fupin.registry.demo.change_record` (same
  snapshots, same labels), by the users who acted.

The household's own status records are the registry demo's (they stay as they were).
`wipe_demo` removes every case, step, notice, objection, batch and appeal with their change
records and the `demo-…` users (run after the monitoring wipe, before the registry's).
`CaseMaker` is also used by the monitoring demo for the monitoring cases of the objects it
creates itself.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import time as timer
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TypedDict

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.cases import procedures as P
from fupin.cases.models import (
    Appeal,
    Case,
    CaseBatch,
    CaseStatus,
    CaseStep,
    Notice,
    Objection,
    ObjectionStatus,
    StepDecision,
)
from fupin.core import context
from fupin.core.bulk import Ids, analyze, bulk_insert, reset_sequences
from fupin.core.history import snapshot, type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.geo.models import Division
from fupin.registry import demo as registry_demo
from fupin.registry.choices import HouseholdStatus as S
from fupin.registry.models import Household

Log = Callable[[str], None] | None

K = P.CaseKind
# The kind of case whose passing gives a household each status.
KIND_OF = {
    S.POOR: K.INCLUSION,
    S.EXITED: K.EXIT,
    S.REMOVED: K.REMOVAL,
    S.RETURNED: K.RETURN,
    S.MONITORED: K.MONITORING,
}
MODELS = (Case, CaseStep, Notice, Objection, CaseBatch, Appeal)
THROUGH = (Notice.cases.through, Objection.cases.through)
USER_PREFIX = "demo-"
OBJECTION_SHARE = 0.03  # of the notices: one objection, verified and dismissed
TZ = registry_demo.TZ

REASONS: dict[str, str] = {
    K.INCLUSION: "建档立卡精准识别：家庭人均纯收入低于当年扶贫标准",
    K.EXIT: "年度脱贫退出：人均纯收入稳定超过扶贫标准，两不愁三保障均已实现",
    K.REMOVAL: "信息比对发现家庭收入和财产超出识别标准，属识别不准，予以清退",
    K.RETURN: "家庭收入下降至扶贫标准以下，农户申请返贫纳入",
    K.MONITORING: "存在返贫致贫风险，纳入防返贫动态监测",
}
# What each kind of step records as its evidence (谁调查谁签字).
EVIDENCE = {
    "analysis": "对照识别标准，分析家庭收入、劳动力和两不愁三保障情况，初步符合纳入条件。",
    "survey": "入户调查，核实家庭人口、收入、住房、就医、子女就学情况，填写调查表，户主签字。",
    "data_check": "与公安、民政、不动产、车辆、工商等部门数据比对，未发现不符合识别条件的情形。",
    "proposal": "经村两委研究，提出拟纳入建档立卡贫困户初步名单。",
    "deliberation": "召开村民代表大会民主评议，参会代表过半数同意。",
    "verification": "入户核实收入和两不愁三保障情况，与农户确认的数据一致。",
    "confirmation": "农户对收入核算和退出结果签字确认。",
    "entry": "已将结果录入全国扶贫开发信息系统并标注。",
    "check": "乡镇对部门比对线索逐户核查，线索属实。",
    "application": "农户提出书面申请，村级排查同时发现。",
}
OBJECTIONS = [
    (
        "群众反映该户家庭收入较高，不应纳入。",
        "经乡镇入户核实，该户收入情况与调查一致，异议不成立。",
    ),
    ("反映该户有子女在外务工收入未计入。", "核实务工收入已计入家庭收入，异议不成立。"),
    ("反映该户住房条件较好。", "经核实该户住房为亲属所有，异议不成立。"),
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).astimezone(dt.UTC)


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(TZ).date()


class _About(TypedDict):
    """What a change record is about (the `record` arguments two records share)."""

    object_type: str
    object_id: int
    area: str
    related_type: str
    related_id: int | None


@dataclass(frozen=True)
class Change:
    """A status change on record: the case of `kind` passed at `time`."""

    household_id: int
    number: str
    village: str
    kind: str
    time: dt.datetime
    status_before: str


# ---------------------------------------------------------------- who signs


class Signers:
    """Users of each role over each village: the village's clerk, two station users of
    its township, two office users of its county. The demo logins serve their own areas;
    elsewhere users named `demo-…` (password `fupin-demo`) are created, once."""

    def __init__(self, villages: Iterable[str], seed: int) -> None:
        villages = sorted(set(villages))
        parents = dict(Division.objects.filter(code__in=villages).values_list("code", "parent_id"))
        townships = sorted({parents[v] for v in villages})
        counties_of = dict(
            Division.objects.filter(code__in=townships).values_list("code", "parent_id")
        )
        counties = sorted(set(counties_of.values()))
        names = dict(
            Division.objects.filter(code__in=[*townships, *counties, *villages]).values_list(
                "code", "name"
            )
        )
        by_area: dict[tuple[str, str], list[User]] = defaultdict(list)
        wanted = {
            **{(Role.VILLAGE_STAFF, v): 1 for v in villages},
            **{(Role.TOWNSHIP_STATION, t): 2 for t in townships},
            **{(Role.COUNTY_OFFICE, c): 2 for c in counties},
        }
        logins = [u for u, _r in registry_demo.LOGINS]
        existing = User.objects.filter(
            area_id__in=[a for _r, a in wanted], role__in=[r for r, _a in wanted]
        ).filter(username__in=logins) | User.objects.filter(username__startswith=USER_PREFIX)
        for u in existing.order_by("username"):
            key = (u.role, u.area_id)
            if key in wanted and len(by_area[key]) < wanted[key]:
                by_area[key].append(u)
        # Demo logins first (`county` before `county2`), then the created ones.
        for users in by_area.values():
            users.sort(key=lambda u: (u.username.startswith(USER_PREFIX), u.username))
        password = None
        new: list[User] = []
        for (role, area), n in wanted.items():
            have = by_area[(role, area)]
            for i in range(len(have), n):
                password = password or make_password(registry_demo.DEMO_PASSWORD)
                rng = random.Random(f"fupin-demo:{seed}:signer:{area}:{i}")
                sex = "F" if rng.random() < 0.4 else "M"
                surname = registry_demo._pick(rng, registry_demo.HAN_SURNAMES)
                given = rng.choice(
                    registry_demo.GIVEN_MALE if sex == "M" else registry_demo.GIVEN_FEMALE
                )
                kind, unit = {
                    Role.VILLAGE_STAFF: ("clerk", f"{names.get(area, '')}村民委员会"),
                    Role.TOWNSHIP_STATION: ("station", f"{names.get(area, '')}扶贫工作站"),
                    Role.COUNTY_OFFICE: ("office", f"{names.get(area, '')}扶贫开发办公室"),
                }[role]
                u = User(
                    username=f"{USER_PREFIX}{kind}-{area}-{i + 1}",
                    password=password,
                    role=role,
                    area_id=area,
                    unit=unit,
                    last_name=f"{surname}{given}",
                )
                new.append(u)
                have.append(u)
        if new:
            User.objects.bulk_create(new)
        if any(u.pk is None for u in new):  # a backend that does not return keys
            ids = dict(
                User.objects.filter(username__in=[u.username for u in new]).values_list(
                    "username", "pk"
                )
            )
            for u in new:
                u.pk = u.id = ids[u.username]
        self.created = len(new)
        self.by_area = by_area
        self.township = parents
        self.county = counties_of

    def pool(self, role: str, village: str) -> list[User]:
        if role == Role.VILLAGE_STAFF:
            area = village
        elif role == Role.TOWNSHIP_STATION:
            area = self.township[village]
        else:
            area = self.county[self.township[village]]
        return self.by_area[(role, area)]


# ---------------------------------------------------------------- the cases


@contextmanager
def no_gc():
    """Without the cyclic garbage collector: building a million small rows otherwise
    triggers collections that walk the whole heap again and again (the cases of the county
    demo took 30 s to build instead of 6)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _iso(value):
    return None if value is None else value.isoformat()


def case_snapshot(c) -> dict:
    """`fupin.core.history.snapshot` of a case row (a test checks they agree)."""
    return {
        "id": c.id,
        "kind": c.kind,
        "household_id": c.household_id,
        "status": c.status,
        "steps": c.steps,
        "step_index": c.step_index,
        "step_started_on": _iso(c.step_started_on),
        "step_due_on": _iso(c.step_due_on),
        "year": c.year,
        "reason": c.reason,
        "opened_by_id": c.opened_by_id,
        "opened_at": _iso(c.opened_at),
        "closed_at": _iso(c.closed_at),
        "batch_id": c.batch_id,
        "decision": c.decision,
        "status_before": c.status_before,
        "written_notice_on": _iso(c.written_notice_on),
        "appeal_until": _iso(c.appeal_until),
    }


def step_snapshot(r) -> dict:
    """`fupin.core.history.snapshot` of a case step row (a test checks they agree)."""
    return {
        "id": r.id,
        "case_id": r.case_id,
        "step": r.step,
        "index": r.index,
        "decision": r.decision,
        "actor_id": r.actor_id,
        "actor_name": r.actor_name,
        "done_at": r.done_at.isoformat(),
        "evidence": r.evidence,
        "file": r.file,
        "content_type": r.content_type,
        "size": r.size,
        "reason": r.reason,
    }


def _spread(start: dt.date, end: dt.date, n: int) -> list[dt.date]:
    """`n` days after `start` up to `end` (the last is `end`), evenly spread, strictly
    increasing when the span allows."""
    span = (end - start).days
    return [end - dt.timedelta(days=int((n - 1 - k) * span / n)) for k in range(n)]


class CaseMaker:
    """Passed cases with their steps, notices and change records, built in memory and
    written in bulk by `write`."""

    def __init__(self, seed: int, signers: Signers) -> None:
        self.seed = seed
        self.signers = signers
        # Keys handed out in advance: write these before another builder takes its own.
        self.ids = Ids(*MODELS, *THROUGH, ChangeRecord)
        self.cases: list[SimpleNamespace] = []
        self.steps: list[SimpleNamespace] = []
        self.notices: list[Notice] = []
        self.notice_links: list[SimpleNamespace] = []
        self.objections: list[Objection] = []
        self.objection_links: list[SimpleNamespace] = []
        self.records: list[SimpleNamespace] = []
        self.labels = {
            (kind, s.code): str(s.label) for kind, steps in P.PROCEDURES.items() for s in steps
        }
        self.request_id = context.request_id.get()
        self.case_type = type_label(Case)
        self.step_type = type_label(CaseStep)
        self.household_type = type_label(Household)
        self._procedures: dict[tuple, tuple] = {}

    # ------------------------------------------------------------ records

    def record(
        self,
        *,
        user,
        time: dt.datetime,
        action: str,
        object_type: str,
        object_id: int,
        object_repr: str,
        post: dict,
        before: dict | None,
        area: str,
        related_type: str = "",
        related_id: int | None = None,
        reason: str = "",
    ) -> None:
        if before is None:
            changes = {k: [None, v] for k, v in post.items() if v is not None}
        else:
            changes = {k: [before.get(k), v] for k, v in post.items() if before.get(k) != v}
        self.records.append(
            SimpleNamespace(
                id=None,
                time=time,
                user_id=getattr(user, "pk", None),
                user_name=getattr(user, "username", "") or "system",
                request_id=self.request_id,
                action=action,
                object_type=object_type,
                object_id=str(object_id),
                object_repr=object_repr[:200],
                related_type=related_type,
                related_id="" if related_id is None else str(related_id),
                area_code=area,
                changes=changes,
                post_data=post,
                reason=reason,
            )
        )

    # ------------------------------------------------------------ building

    def make(self, changes: Iterable[Change]) -> dict[tuple[int, dt.datetime], SimpleNamespace]:
        """The passed case of every change; returns them by (household id, time)."""
        made: dict[tuple[int, dt.datetime], SimpleNamespace] = {}
        rounds: dict[tuple, list[Change]] = defaultdict(list)
        for ch in changes:
            procedure = P.procedure_for(ch.kind, ch.village)
            if any(s.notice for s in procedure):
                local = ch.time.astimezone(TZ)
                rounds[(ch.village, ch.kind, local.year, local.month)].append(ch)
            else:
                made[(ch.household_id, ch.time)] = self.case(ch, None)
        for key in sorted(rounds):
            group = sorted(rounds[key], key=lambda c: (c.time, c.number))
            notice, rng = self.notice(group)
            cases = [self.case(ch, notice) for ch in group]
            for ch, case in zip(group, cases, strict=True):
                made[(ch.household_id, ch.time)] = case
            self.finish_notice(notice, cases, rng)
        return made

    def notice(self, group: list[Change]) -> tuple[Notice, random.Random]:
        """The round's notice: it ends early enough for the steps after it to fit before
        the first change of the round. With the random source of the notice's round."""
        first = group[0]
        procedure = P.procedure_for(first.kind, first.village)
        after = len(procedure) - 1 - next(i for i, s in enumerate(procedure) if s.notice)
        days = P.DEFAULT_NOTICE_DAYS
        ends_on = _local_day(first.time) - dt.timedelta(days=2 * after)
        posted_on = ends_on - dt.timedelta(days=days - 1)
        rng = random.Random(f"fupin-demo:{self.seed}:notice:{first.village}:{posted_on}")
        poster = self.signers.pool(Role.VILLAGE_STAFF, first.village)[0]
        notice = Notice(
            village_id=first.village,
            posted_on=posted_on,
            days=days,
            ends_on=ends_on,
            phone=f"0746-{rng.randrange(2_000_000, 8_000_000)}",
            posted_by=poster,
            created_at=_at(posted_on, 9, rng.randrange(60)),
            completed_at=None,
        )
        self.ids.assign([notice])
        self.notices.append(notice)
        self.record(
            user=poster,
            time=notice.created_at,
            action=ChangeAction.CREATE,
            object_type=type_label(Notice),
            object_id=notice.pk,
            object_repr=str(notice),
            post=snapshot(notice),
            before=None,
            area=first.village,
        )
        return notice, rng

    def finish_notice(
        self, notice: Notice, cases: list[SimpleNamespace], rng: random.Random
    ) -> None:
        links = [SimpleNamespace(id=None, notice_id=notice.pk, case_id=c.pk) for c in cases]
        self.ids.assign(links, Notice.cases.through)
        self.notice_links.extend(links)
        if rng.random() < OBJECTION_SHARE:
            self.objection(notice, rng.choice(cases), rng)
        before = snapshot(notice)
        notice.completed_at = _at(notice.ends_on + dt.timedelta(days=1), 8, 30)
        self.record(
            user=None,
            time=notice.completed_at,
            action=ChangeAction.UPDATE,
            object_type=type_label(Notice),
            object_id=notice.pk,
            object_repr=str(notice),
            post=snapshot(notice),
            before=before,
            area=notice.village_id,
        )

    def objection(self, notice: Notice, case: SimpleNamespace, rng: random.Random) -> None:
        """An objection during the period, verified by the township and dismissed."""
        text, resolution = rng.choice(OBJECTIONS)
        received = notice.posted_on + dt.timedelta(days=rng.randint(1, notice.days - 3))
        recorder = self.signers.pool(Role.VILLAGE_STAFF, notice.village_id)[0]
        resolver = self.signers.pool(Role.TOWNSHIP_STATION, notice.village_id)[0]
        obj = Objection(
            notice_id=notice.pk,
            text=text,
            reporter="",
            reporter_phone="",
            received_on=received,
            recorded_by=recorder,
            status=ObjectionStatus.OPEN,
            resolution="",
            resolved_by=None,
            resolved_at=None,
        )
        self.ids.assign([obj])
        self.objections.append(obj)
        link = SimpleNamespace(id=None, objection_id=obj.pk, case_id=case.pk)
        self.ids.assign([link], Objection.cases.through)
        self.objection_links.append(link)
        common: _About = {
            "object_type": type_label(Objection),
            "object_id": obj.pk,
            "area": notice.village_id,
            "related_type": type_label(Notice),
            "related_id": notice.pk,
        }
        self.record(
            user=recorder,
            time=_at(received, 16),
            action=ChangeAction.CREATE,
            object_repr=str(obj),
            post=snapshot(obj),
            before=None,
            **common,
        )
        before = snapshot(obj)
        obj.status = ObjectionStatus.DISMISSED
        obj.resolution = resolution
        obj.resolved_by = resolver
        obj.resolved_at = _at(min(received + dt.timedelta(days=2), notice.ends_on), 15)
        self.record(
            user=resolver,
            time=obj.resolved_at,
            action=ChangeAction.UPDATE,
            object_repr=str(obj),
            post=snapshot(obj),
            before=before,
            reason=resolution,
            **common,
        )

    def _times(self, ch: Change, procedure, notice: Notice | None, rng) -> list[dt.datetime]:
        """When each step was done: the last one at the change itself."""
        n = len(procedure)
        close_day = _local_day(ch.time)
        if notice is None:
            times = []
            day = close_day
            for _k in range(n - 1):
                day -= dt.timedelta(days=rng.randint(2, 6))
                times.append(_at(day, rng.randint(9, 17), rng.randrange(60)))
            return [*reversed(times), ch.time]
        at = next(i for i, s in enumerate(procedure) if s.notice)
        ended = notice.ends_on + dt.timedelta(days=1)
        before = []
        day = notice.posted_on
        for _k in range(at):
            day -= dt.timedelta(days=rng.randint(2, 7))
            before.append(_at(day, rng.randint(9, 17), rng.randrange(60)))
        after = [
            _at(d, rng.randint(9, 17), rng.randrange(60))
            for d in _spread(ended, close_day, n - at - 1)
        ]
        after[-1] = ch.time
        return [*reversed(before), _at(ended, 8, 30), *after]

    def case(self, ch: Change, notice: Notice | None) -> SimpleNamespace:
        """One passed case with its steps and their records (plain rows with the model's
        attribute names, their snapshots built here: this runs for every household)."""
        procedure, codes, kind_label = self.procedure(ch.kind, ch.village)
        rng = random.Random(f"fupin-demo:{self.seed}:case:{ch.number}:{ch.kind}:{ch.time}")
        times = self._times(ch, procedure, notice, rng)
        # Who did each step: a review under the four-eyes rule by a user who neither
        # opened the case nor did an earlier step.
        actors: list[User | None] = []
        for s in procedure:
            if s.notice:
                actors.append(None)
                continue
            pool = self.signers.pool(s.role, ch.village)
            if s.four_eyes or (s.review and s.role != Role.VILLAGE_STAFF):
                done = {a.pk for a in actors if a is not None}
                pool = [u for u in pool if u.pk not in done] or pool
            actors.append(pool[0])
        opener = actors[0]
        opened_at = times[0] - dt.timedelta(days=rng.randint(0, 2), hours=rng.randint(1, 3))
        opened_day = _local_day(opened_at)
        case = SimpleNamespace(
            id=None,
            kind=ch.kind,
            household_id=ch.household_id,
            village_id=ch.village,
            status=CaseStatus.OPEN,
            steps=codes,
            step_index=0,
            step_started_on=opened_day,
            step_due_on=opened_day + dt.timedelta(days=procedure[0].days),
            year=opened_day.year,
            reason=REASONS[ch.kind],
            opened_by_id=None if opener is None else opener.pk,
            opened_at=opened_at,
            closed_at=None,
            batch_id=None,
            decision=None,
            status_before=ch.status_before,
            written_notice_on=None,
            appeal_until=None,
        )
        self.ids.assign([case], Case)
        case.pk = case.id
        self.cases.append(case)
        opened = case_snapshot(case)
        self.record(
            user=opener,
            time=opened_at,
            action=ChangeAction.CREATE,
            object_type=self.case_type,
            object_id=case.id,
            object_repr=f"{kind_label} #{case.id}",
            post=opened,
            before=None,
            area=ch.village,
            reason=case.reason,
            related_type=self.household_type,
            related_id=ch.household_id,
        )
        first = len(self.steps)
        for i, (s, actor, time) in enumerate(zip(procedure, actors, times, strict=True)):
            if s.notice:
                assert notice is not None  # made with its round's notice (`make`)
                decision = StepDecision.NOTICE_ENDED
                period = f"{notice.posted_on}至{notice.ends_on}"
                evidence = f"公示第{notice.pk}号，{period}，期满无异议。"
            else:
                decision = StepDecision.APPROVE if s.review else StepDecision.DONE
                evidence = "" if s.review else EVIDENCE.get(s.code, "")
            self.steps.append(
                SimpleNamespace(
                    id=None,
                    case_id=case.id,
                    step=s.code,
                    index=i,
                    decision=decision,
                    actor_id=None if actor is None else actor.pk,
                    actor_name="system" if actor is None else actor.username,
                    done_at=time,
                    evidence=evidence,
                    file="",
                    content_type="",
                    size=0,
                    reason="",
                )
            )
        rows = self.steps[first:]
        self.ids.assign(rows, CaseStep)
        related_id = str(case.id)
        for row in rows:
            post = step_snapshot(row)
            self.records.append(
                SimpleNamespace(
                    id=None,
                    time=row.done_at,
                    user_id=row.actor_id,
                    user_name=row.actor_name,
                    request_id=self.request_id,
                    action=ChangeAction.CREATE,
                    object_type=self.step_type,
                    object_id=str(row.id),
                    object_repr=f"{row.case_id}/{row.step} {row.decision}",
                    related_type=self.case_type,
                    related_id=related_id,
                    area_code=ch.village,
                    changes={k: [None, v] for k, v in post.items() if v is not None},
                    post_data=post,
                    reason="",
                )
            )
        # Passed: at the last step, as `_advance` leaves it.
        case.status = CaseStatus.PASSED
        case.step_index = len(procedure) - 1
        case.step_started_on = _local_day(times[-2]) if len(times) > 1 else opened_day
        case.step_due_on = None
        case.closed_at = ch.time
        if ch.kind == K.REMOVAL:
            case.written_notice_on = _local_day(ch.time)
            case.appeal_until = case.written_notice_on + dt.timedelta(days=P.APPEAL_DAYS)
        self.record(
            user=actors[-1],
            time=ch.time,
            action=ChangeAction.UPDATE,
            object_type=self.case_type,
            object_id=case.id,
            object_repr=f"{kind_label} #{case.id}",
            post=case_snapshot(case),
            before=opened,
            area=ch.village,
            reason=self.labels[(ch.kind, procedure[-1].code)],
            related_type=self.household_type,
            related_id=ch.household_id,
        )
        return case

    def procedure(self, kind: str, village: str) -> tuple:
        """The procedure's steps, their codes and the kind's label (once per kind)."""
        key = (kind, village[:6])
        if key not in self._procedures:
            procedure = P.procedure_for(kind, village)
            self._procedures[key] = (
                procedure,
                [s.code for s in procedure],
                str(K(kind).label),
            )
        return self._procedures[key]

    # ------------------------------------------------------------ writing

    def write(self) -> None:
        self.ids.assign(self.records, ChangeRecord)
        bulk_insert(self.cases, Case)
        bulk_insert(self.notices, Notice)
        bulk_insert(self.steps, CaseStep)
        bulk_insert(self.notice_links, Notice.cases.through)
        bulk_insert(self.objections, Objection)
        bulk_insert(self.objection_links, Objection.cases.through)
        bulk_insert(self.records, ChangeRecord)
        reset_sequences(*MODELS, *THROUGH, ChangeRecord)
        analyze(*MODELS, ChangeRecord)


# ---------------------------------------------------------------- the history


def status_changes() -> list[Change]:
    """Every status a household's history shows, with the moment and the status before:
    the registration (before: candidate) and every update of the status."""
    households = {
        str(pk): (pk, number, village)
        for pk, number, village in Household.objects.values_list("pk", "number", "village_id")
    }
    rows = (
        ChangeRecord.objects.filter(object_type=type_label(Household))
        .order_by("object_id", "time", "id")
        .values_list("object_id", "time", "action", "changes")
    )
    out: list[Change] = []
    for oid, time, action, changes in rows.iterator(chunk_size=5000):
        if oid not in households:
            continue
        status = (changes or {}).get("status")
        if action == ChangeAction.CREATE:
            before, after = S.CANDIDATE, status[1] if status else S.CANDIDATE
        elif status:
            before, after = status
        else:
            continue
        if after in KIND_OF and after != before:
            pk, number, village = households[oid]
            out.append(Change(pk, number, village, KIND_OF[after], time, before))
    return out


def build_demo(*, seed: int, log: Log = None) -> None:
    """The passed cases behind every household status on record (see the module
    docstring). Does nothing when cases exist."""
    log = log or (lambda _msg: None)
    if Case.objects.exists():
        log("cases: cases exist already; nothing built")
        return
    started = timer.perf_counter()
    changes = status_changes()
    if not changes:
        log("cases: no household status on record, nothing to build")
        return
    with transaction.atomic(), no_gc():
        signers = Signers({c.village for c in changes}, seed)
        maker = CaseMaker(seed, signers)
        maker.make(changes)
        maker.write()
    by_kind: defaultdict[str, int] = defaultdict(int)
    for c in maker.cases:
        by_kind[c.kind] += 1
    kinds = ", ".join(f"{n:,} {k}" for k, n in sorted(by_kind.items()))
    log(
        f"cases: {len(maker.cases):,} passed cases ({kinds}), {len(maker.steps):,} steps, "
        f"{len(maker.notices):,} notices, {len(maker.objections):,} objections, "
        f"{signers.created:,} signing users, {len(maker.records):,} change records "
        f"in {timer.perf_counter() - started:.1f} s"
    )
    # lazy: the area exits' demo imports this module (its Signers)
    from fupin.cases.area import demo as area_demo

    area_demo.build(seed=seed, log=log)


def wipe_cases(case_ids: list[int] | None = None) -> None:
    """Remove cases (all, or those given) with their steps, notice and objection links,
    appeals and change records; notices and objections left without a case go too."""
    if case_ids is not None and not case_ids:
        return
    alias = connection.alias
    with transaction.atomic():
        cases = Case.objects.all() if case_ids is None else Case.objects.filter(pk__in=case_ids)
        if case_ids is None:
            labels = [type_label(m) for m in MODELS]
            ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(alias)
            for model in (*THROUGH, Objection, Notice, CaseStep, Appeal):
                model.objects.all()._raw_delete(alias)
            cases._raw_delete(alias)
            CaseBatch.objects.all()._raw_delete(alias)
            return
        ids = [str(pk) for pk in case_ids]
        step_ids = [
            str(pk)
            for pk in CaseStep.objects.filter(case_id__in=case_ids).values_list("pk", flat=True)
        ]
        for label, keys in ((type_label(Case), ids), (type_label(CaseStep), step_ids)):
            for i in range(0, len(keys), 900):
                ChangeRecord.objects.filter(
                    object_type=label, object_id__in=keys[i : i + 900]
                )._raw_delete(alias)
        for i in range(0, len(case_ids), 900):
            chunk = case_ids[i : i + 900]
            for model in (*THROUGH, CaseStep, Appeal):
                model.objects.filter(case_id__in=chunk)._raw_delete(alias)
            Case.objects.filter(pk__in=chunk)._raw_delete(alias)
        for model in (Objection, Notice):
            orphans = model.objects.filter(cases__isnull=True)
            keys = [str(pk) for pk in orphans.values_list("pk", flat=True)]
            ChangeRecord.objects.filter(
                object_type=type_label(model), object_id__in=keys
            )._raw_delete(alias)
            model.objects.filter(pk__in=[int(k) for k in keys])._raw_delete(alias)


def wipe_demo() -> None:
    """Remove every case and what hangs on it, with their change records, and the
    `demo-…` users who signed them (run after the monitoring wipe, before the
    registry's)."""
    # lazy: the area exits' demo imports this module (its Signers)
    from fupin.cases.area import demo as area_demo

    area_demo.wipe()
    wipe_cases()
    User.objects.filter(username__startswith=USER_PREFIX).delete()
