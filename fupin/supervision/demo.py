"""Demo supervision data for the demo county (Jianghua), deterministic from the seed.

Units for every township and village plus county departments; inspections of 2020
with findings in every state (rectified on time, late, rejected, failed, awaiting
verification, still open); the escalation ledger as of 31 December 2020 with some
decisions recorded; responsibility lists at county, department, township and village
level; task lists for the year, the fourth quarter, December and one week.

Everything goes through the services (scope, validation, history), as the demo users
`inspector`, `county`, `township` and `village` made by the registry demo.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import connection, transaction

from fupin.accounts.models import User
from fupin.core.models import ChangeRecord
from fupin.geo.models import Division
from fupin.supervision import choices as c
from fupin.supervision import services
from fupin.supervision.models import (
    Escalation,
    Finding,
    Inspection,
    Rectification,
    ResponsibilityItem,
    Task,
    TaskList,
    Unit,
)

COUNTY = "431129000000"
YEAR = 2020
AS_OF = dt.date(YEAR, 12, 31)
DEPARTMENTS = [
    "县扶贫开发办公室",
    "县农业农村局",
    "县教育局",
    "县卫生健康局",
    "县住房和城乡建设局",
    "县水利局",
    "县人力资源和社会保障局",
    "县民政局",
    "县医疗保障局",
    "县财政局",
]
SURNAMES = "盘李赵唐蒋黄陈奉邓刘任周何"
GIVEN = "建国明华志强秀英海军红梅永福德胜春生桂兰光辉玉珍"

FINDINGS = [
    ("identification", "serious", "抽查发现{n}户家庭有财政供养人员，仍在建档立卡名单内"),
    ("exit", "serious", "{n}户已脱贫户人均纯收入核算不实，退出依据不足"),
    ("assistance", "general", "帮扶责任人入户走访记录不全，{n}户一年内走访少于4次"),
    ("policy", "general", "{n}名建档立卡学生未落实教育资助政策"),
    ("funds", "serious", "产业扶持资金{n}万元未按规定程序拨付"),
    ("data", "minor", "{n}户家庭人口数与成员信息不一致"),
    ("files", "minor", "一户一档资料缺失，{n}户无收入明白卡"),
    ("style", "general", "村级公示栏未按期更新，群众反映{n}件诉求未答复"),
    ("policy", "general", "{n}户危房改造户尚未入住新房"),
    ("assistance", "minor", "驻村工作队考勤记录不全，{n}名队员在岗天数不足"),
]
INSPECTIONS = [
    ("2020年第一季度脱贫攻坚常规督查", "routine", dt.date(2020, 3, 9), 5),
    ("2020年危房改造和饮水安全专项督查", "special", dt.date(2020, 5, 11), 4),
    ("2020年第二季度脱贫攻坚常规督查", "routine", dt.date(2020, 6, 15), 5),
    ("2020年扶贫资金使用专项督查", "special", dt.date(2020, 8, 3), 4),
    ("2020年脱贫攻坚普查前暗访", "unannounced", dt.date(2020, 10, 19), 3),
    ("2020年第四季度脱贫攻坚常规督查", "routine", dt.date(2020, 12, 14), 5),
]


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))


def _users() -> dict[str, User] | None:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["inspector", "county", "township", "village"])
    }
    return users if {"inspector", "county"} <= set(users) else None


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    county = Division.objects.filter(code=COUNTY).first()
    users = _users()
    if county is None or users is None:
        if log:
            log("Supervision demo skipped: no demo county or demo users.")
        return
    rng = random.Random(f"supervision-{seed}")
    with transaction.atomic():
        counts = _build(rng, county, users)
    if log:
        log(
            "Supervision demo: {units} units, {inspections} inspections, {findings} findings, "
            "{escalations} escalations, {items} responsibilities, {tasks} tasks.".format(**counts)
        )


def _build(rng: random.Random, county: Division, users: dict[str, User]) -> dict[str, int]:
    inspector, office = users["inspector"], users["county"]
    services.ensure_division_units(actor=office, area_code=COUNTY)
    gov = services.unit_create(
        actor=office, name=f"{county.name}人民政府", kind=c.UnitKind.OTHER, area_code=COUNTY
    )
    depts = [
        services.unit_create(actor=office, name=name, kind=c.UnitKind.DEPARTMENT, area_code=COUNTY)
        for name in DEPARTMENTS
    ]
    townships = list(
        Unit.objects.filter(kind=c.UnitKind.TOWNSHIP, area_code__startswith=COUNTY[:6]).order_by(
            "area_code"
        )
    )
    villages = list(
        Unit.objects.filter(kind=c.UnitKind.VILLAGE, area_code__startswith=COUNTY[:6]).order_by(
            "area_code"
        )
    )
    # The demo logins' own units always have something to show.
    own_codes = {u.area_id for u in (users.get("township"), users.get("village")) if u}
    own = [u for u in townships + villages if u.area_code in own_codes]

    def staff_for(unit: Unit) -> User:
        for name in ("village", "township"):
            u = users.get(name)
            if u is not None and u.area is not None and unit.area_code.startswith(u.area.prefix):
                return u
        return office

    # Inspections and their findings --------------------------------------------
    n_findings = 0
    repeat = rng.sample(villages, min(3, len(villages))) + rng.sample(townships, 1) + own
    pool = villages + townships + depts
    for title, kind, start, days in INSPECTIONS:
        insp = services.inspection_create(
            actor=inspector,
            title=title,
            kind=kind,
            area_code=COUNTY,
            start_date=start,
            end_date=start + dt.timedelta(days=days - 1),
            inspectors=[inspector, office],
            notes="县脱贫攻坚督查组",
        )
        targets = list(dict.fromkeys(repeat + rng.sample(pool, min(6, len(pool)))))
        for unit in targets:
            category, severity, text = rng.choice(FINDINGS)
            found = start + dt.timedelta(days=rng.randrange(days))
            deadline = found + dt.timedelta(days=rng.choice((15, 20, 30)))
            f = services.finding_add(
                actor=inspector,
                inspection=insp,
                unit=unit,
                description=text.format(n=rng.randint(2, 12)),
                category=category,
                severity=severity,
                found_on=found,
                deadline=deadline,
            )
            n_findings += 1
            _outcome(rng, f, unit in repeat, staff_for(unit), inspector)

    services.escalate(as_of=AS_OF, area=COUNTY, actor=inspector)
    for i, esc in enumerate(
        Escalation.objects.filter(unit__area_code__startswith=COUNTY[:6]).order_by(
            "failed_on", "id"
        )
    ):
        if rng.random() < 0.7:
            services.escalation_decide(
                actor=office,
                escalation=esc,
                state=c.EscalationState.ISSUED,
                decided_on=min(esc.failed_on + dt.timedelta(days=rng.randint(5, 20)), AS_OF),
                document=f"江扶督〔{esc.failed_on.year}〕{i + 1}号",
                notes={
                    c.EscalationStep.NOTICE: "在全县范围内通报批评",
                    c.EscalationStep.TALK: "县扶贫开发领导小组约谈主要负责人",
                    c.EscalationStep.ACCOUNTABILITY: "移交县纪委监委启动问责程序",
                }[c.EscalationStep(esc.step)],
            )

    # Responsibility lists ----------------------------------------------------------
    items = 0
    for post, duty in (
        ("县长", "对全县脱贫攻坚工作负总责，统筹推进各项政策落实"),
        ("分管副县长", "具体负责脱贫攻坚日常调度和督查问责"),
    ):
        services.responsibility_add(
            actor=office,
            level=c.Level.COUNTY,
            unit=gov,
            person_name=_person(rng),
            post=post,
            duty=duty,
            basis="《脱贫攻坚责任制实施办法》",
        )
        items += 1
    for d in depts:
        services.responsibility_add(
            actor=office,
            level=c.Level.DEPARTMENT,
            unit=d,
            person_name=_person(rng),
            post="局长",
            duty=f"负责{d.name.removeprefix('县')}行业扶贫政策落实和资金监管",
            basis="《行业扶贫责任清单》",
        )
        items += 1
    for t in townships:
        for post, duty in (
            ("党委书记", "履行脱贫攻坚主体责任，对本乡镇脱贫质量负责"),
            ("镇长", "组织实施本乡镇脱贫攻坚项目和帮扶措施"),
        ):
            services.responsibility_add(
                actor=office,
                level=c.Level.TOWNSHIP,
                unit=t,
                person_name=_person(rng),
                post=post,
                duty=duty,
                basis="《乡镇脱贫攻坚责任清单》",
            )
            items += 1
    for v in villages:
        services.responsibility_add(
            actor=office,
            level=c.Level.VILLAGE,
            unit=v,
            person_name=_person(rng),
            post="村党支部书记",
            duty="负责本村精准识别、精准退出和动态管理",
            basis="《村级脱贫攻坚责任清单》",
        )
        items += 1

    # Task lists --------------------------------------------------------------------
    tasks = 0
    lists = [
        (
            "2020年脱贫攻坚年度任务清单",
            c.PeriodKind.YEAR,
            dt.date(2020, 1, 1),
            ["完成年度动态管理", "脱贫户收入核查全覆盖", "一户一档资料规范整理"],
        ),
        (
            "2020年第四季度任务清单",
            c.PeriodKind.QUARTER,
            dt.date(2020, 10, 1),
            ["迎接脱贫攻坚普查", "完成危房改造竣工验收"],
        ),
        (
            "2020年12月任务清单",
            c.PeriodKind.MONTH,
            dt.date(2020, 12, 1),
            ["更新扶贫对象信息系统数据"],
        ),
        ("2020年第52周任务清单", c.PeriodKind.WEEK, dt.date(2020, 12, 21), ["报送防返贫监测周报"]),
    ]
    for title, kind, start, task_titles in lists:
        tl = services.task_list_create(
            actor=office, title=title, area_code=COUNTY, period_kind=kind, period_start=start
        )
        end = tl.period_end
        assignees = list(
            dict.fromkeys(townships + own + rng.sample(villages, min(8, len(villages))))
        )
        for unit in assignees:
            for name in task_titles:
                due = (
                    end if kind != c.PeriodKind.YEAR else dt.date(2020, rng.choice((6, 9, 12)), 30)
                )
                task = services.task_add(
                    actor=office, task_list=tl, unit=unit, title=name, due_date=due
                )
                tasks += 1
                roll = rng.random()
                if roll < 0.65:
                    done = due - dt.timedelta(days=rng.randint(0, 10))
                elif roll < 0.8:
                    done = due + dt.timedelta(days=rng.randint(1, 15))
                else:
                    continue
                services.task_complete(
                    actor=staff_for(unit),
                    task=task,
                    evidence="已完成，台账及佐证材料已归档",
                    today=done,
                )
    return {
        "units": Unit.objects.count(),
        "inspections": Inspection.objects.count(),
        "findings": n_findings,
        "escalations": Escalation.objects.count(),
        "items": items,
        "tasks": tasks,
    }


def _outcome(rng: random.Random, f: Finding, repeat: bool, staff: User, inspector: User) -> None:
    """Play out a finding: on-time, late, rejected, failed, pending or untouched."""
    roll = rng.random()
    if repeat:  # units that keep failing
        roll = rng.choice((0.75, 0.85, 0.95, 0.3))
    if f.deadline > AS_OF:
        roll = rng.choice((0.3, 0.99))
    if roll < 0.55:  # rectified on time
        submitted = f.deadline - dt.timedelta(days=rng.randint(1, 10))
        rec = services.rectification_submit(
            actor=staff, finding=f, report=_report(rng), today=submitted
        )
        if f.deadline > AS_OF:
            return  # awaiting verification at the end of the year
        services.rectification_verify(
            actor=inspector,
            rectification=rec,
            accepted=True,
            notes="经实地核查，整改到位",
            today=submitted + dt.timedelta(days=rng.randint(1, 7)),
        )
    elif roll < 0.7:  # rectified late
        submitted = f.deadline + dt.timedelta(days=rng.randint(3, 20))
        rec = services.rectification_submit(
            actor=staff, finding=f, report=_report(rng), today=submitted
        )
        services.rectification_verify(
            actor=inspector,
            rectification=rec,
            accepted=True,
            notes="已整改，但超过整改期限",
            today=submitted + dt.timedelta(days=3),
        )
    elif roll < 0.8:  # report rejected
        submitted = f.deadline - dt.timedelta(days=2)
        rec = services.rectification_submit(
            actor=staff, finding=f, report=_report(rng), today=submitted
        )
        services.rectification_verify(
            actor=inspector,
            rectification=rec,
            accepted=False,
            notes="佐证材料不足，整改不到位",
            today=f.deadline + dt.timedelta(days=5),
        )
    elif roll < 0.9:  # marked failed
        services.finding_fail(
            actor=inspector,
            finding=f,
            reason="复查发现问题依然存在，整改弄虚作假",
            today=f.deadline + dt.timedelta(days=10),
        )
    # else: nothing done (overdue by the end of the year)


def _report(rng: random.Random) -> str:
    return rng.choice(
        (
            "已逐户入户核实，更新系统信息，相关资料已归档。",
            "已召开村民代表大会重新评议，并张榜公示。",
            "已落实帮扶措施，补齐走访记录和收入明白卡。",
            "资金已按程序拨付到位，拨付凭证附后。",
        )
    )


def wipe_demo() -> None:
    """Remove every supervision record and its history."""
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__startswith="supervision.")._raw_delete(
            connection.alias
        )
        for model in (Task, TaskList, ResponsibilityItem, Escalation, Rectification, Finding):
            model.objects.all()._raw_delete(connection.alias)
        Inspection.inspectors.through.objects.all()._raw_delete(connection.alias)
        Inspection.objects.all()._raw_delete(connection.alias)
        Unit.objects.all()._raw_delete(connection.alias)
