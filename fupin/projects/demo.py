"""Demo funds and projects of Jianghua county, 2016–2020, deterministic from the seed.

Fund sources with their real names; about 180 projects across the county's villages
(poor villages twice as likely), in every state of the lifecycle, with budget lines drawn
on the county's yearly allocations, disbursements, expected beneficiary households from
the registry, signed steps, and change records written in bulk. Allocation amounts are set
so that 80–98% of each is committed to projects. Everything is written with bulk_create
in one transaction; balances are computed in Python and checked by the database's CHECK
constraints on insert.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import ROUND_UP, Decimal

from django.db import connection, transaction
from django.utils import timezone

from fupin.accounts import authority
from fupin.accounts.models import User
from fupin.core.history import build_change, bulk_record, type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.funds.models import Allocation, BudgetLine, Disbursement, FundSource, SourceKind
from fupin.geo.models import Division, Level, VillageProfile
from fupin.projects.models import (
    Beneficiary,
    Project,
    ProjectState,
    ProjectStep,
    ProjectType,
    StepAction,
)
from fupin.registry.demo import DEMO_ACTOR
from fupin.registry.models import Household

COUNTY = "431129"
YEARS = range(2016, 2021)
PROJECTS = 180
REASON = "demo"

SOURCES = [
    (SourceKind.CENTRAL, "中央财政专项扶贫资金"),
    (SourceKind.PROVINCIAL, "省级财政专项扶贫资金"),
    (SourceKind.PREFECTURE, "市级财政专项扶贫资金"),
    (SourceKind.COUNTY, "县级财政专项扶贫资金"),
    (SourceKind.INTEGRATED, "统筹整合使用财政涉农资金"),
    (SourceKind.CREDIT, "扶贫小额信贷及产业扶贫贷款"),
    (SourceKind.DEPARTMENT, "行业部门扶贫资金"),
    (SourceKind.DONATION, "社会帮扶捐赠资金"),
]
# Share of a project's budget each kind of source tends to carry (weights).
SOURCE_WEIGHT = {
    SourceKind.CENTRAL: 30,
    SourceKind.PROVINCIAL: 14,
    SourceKind.PREFECTURE: 4,
    SourceKind.COUNTY: 10,
    SourceKind.INTEGRATED: 26,
    SourceKind.CREDIT: 6,
    SourceKind.DEPARTMENT: 8,
    SourceKind.DONATION: 2,
}
# Uses each source may go to (empty: any). Credit goes to industry only.
SOURCE_USES = {
    SourceKind.CREDIT: ["industry", "solar"],
    SourceKind.DONATION: ["education", "health", "housing", "other"],
}

T = ProjectType
# type: (weight, name patterns, budget range in 10,000 yuan, responsible units, beneficiaries)
KINDS = {
    T.INDUSTRY: (
        26,
        ["{v}油茶产业基地", "{v}茶叶种植扶贫基地", "{v}香芋产业扶贫项目", "{v}生猪养殖合作社"],
        (20, 200),
        ["江华瑶族自治县农业农村局", "江华瑶族自治县林业局"],
        (15, 60),
    ),
    T.ROAD: (
        22,
        ["{v}通组公路硬化工程", "{v}村道安全防护工程", "{v}产业路建设"],
        (40, 320),
        ["江华瑶族自治县交通运输局"],
        None,
    ),
    T.WATER: (
        14,
        ["{v}安全饮水巩固提升工程", "{v}山塘整修工程", "{v}灌溉水渠修复"],
        (15, 150),
        ["江华瑶族自治县水利局"],
        None,
    ),
    T.POWER: (6, ["{v}农网改造升级工程"], (30, 180), ["国网江华瑶族自治县供电公司"], None),
    T.BROADBAND: (5, ["{v}光纤宽带入户工程"], (8, 40), ["江华瑶族自治县工业和信息化局"], None),
    T.HOUSING: (
        8,
        ["{v}农村危房改造项目"],
        (20, 120),
        ["江华瑶族自治县住房和城乡建设局"],
        (5, 30),
    ),
    T.EDUCATION: (
        4,
        ["{v}小学校舍改造", "{v}教学点标准化建设"],
        (30, 200),
        ["江华瑶族自治县教育局"],
        None,
    ),
    T.HEALTH: (4, ["{v}村卫生室标准化建设"], (10, 40), ["江华瑶族自治县卫生健康局"], None),
    T.EMPLOYMENT: (
        4,
        ["{v}扶贫车间", "{v}劳动力转移就业培训"],
        (10, 80),
        ["江华瑶族自治县人力资源和社会保障局"],
        (10, 40),
    ),
    T.RELOCATION: (
        3,
        ["{v}易地扶贫搬迁安置点配套设施"],
        (80, 400),
        ["江华瑶族自治县发展和改革局"],
        (8, 40),
    ),
    T.SOLAR: (
        3,
        ["{v}村级光伏扶贫电站"],
        (30, 100),
        ["江华瑶族自治县发展和改革局"],
        (10, 50),
    ),
    T.OTHER: (1, ["{v}村级综合服务平台"], (10, 60), ["乡镇人民政府"], None),
}

S = ProjectState
# Final state by year (weights): older projects are mostly done and disclosed.
STATE_WEIGHTS = {
    2016: {S.DISCLOSED: 84, S.ACCEPTED: 6, S.REJECTED: 8, S.IN_PROGRESS: 2},
    2017: {S.DISCLOSED: 78, S.ACCEPTED: 10, S.REJECTED: 7, S.IN_PROGRESS: 5},
    2018: {S.DISCLOSED: 66, S.ACCEPTED: 16, S.REJECTED: 6, S.IN_PROGRESS: 12},
    2019: {S.DISCLOSED: 40, S.ACCEPTED: 24, S.REJECTED: 5, S.IN_PROGRESS: 24, S.APPROVED: 7},
    2020: {
        S.DISCLOSED: 10,
        S.ACCEPTED: 18,
        S.IN_PROGRESS: 34,
        S.APPROVED: 12,
        S.REVIEWED: 10,
        S.PROPOSED: 12,
        S.REJECTED: 4,
    },
}
PATH = [S.PROPOSED, S.REVIEWED, S.APPROVED, S.IN_PROGRESS, S.ACCEPTED, S.DISCLOSED]
ACTION_TO = {
    S.REVIEWED: (StepAction.REVIEW, "township"),
    S.APPROVED: (StepAction.APPROVE, "county"),
    S.IN_PROGRESS: (StepAction.START, "village"),
    S.ACCEPTED: (StepAction.ACCEPT, "county"),
    S.DISCLOSED: (StepAction.DISCLOSE, "county"),
}
EVIDENCE = {
    StepAction.PROPOSE: "村两委会议纪要、项目申报表",
    StepAction.REVIEW: "乡镇扶贫工作站审核意见",
    StepAction.APPROVE: "县扶贫开发领导小组审批文件",
    StepAction.START: "开工报告",
    StepAction.ACCEPT: "竣工验收报告",
    StepAction.DISCLOSE: "村务公开栏公示照片",
}
CENT = Decimal("0.01")


def _pick(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _split(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    """`total` in `parts` positive amounts (cents) that add up exactly."""
    cents = int(total * 100)
    cuts = sorted(rng.sample(range(1, cents), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, cents]
    return [Decimal(bounds[i + 1] - bounds[i]) / 100 for i in range(parts)]


def build_demo(*, seed: int, log=None) -> None:
    villages = list(
        Division.objects.filter(level=Level.VILLAGE, code__startswith=COUNTY).order_by("code")
    )
    if not villages or Project.objects.exists():
        return
    say = log or (lambda _msg: None)
    rng = random.Random(f"projects-{seed}")
    poor = set(
        VillageProfile.objects.filter(
            village__code__startswith=COUNTY, is_poor_village=True
        ).values_list("village_id", flat=True)
    )
    households: dict[str, list[int]] = defaultdict(list)
    for hid, vid in (
        Household.objects.in_area(COUNTY).order_by("id").values_list("id", "village_id")
    ):
        households[vid].append(hid)

    users = {
        u.username: u
        for u in User.objects.filter(username__in=["village", "township", "county", "county2"])
    }
    county = Division.objects.get(code=COUNTY + "000000")

    with transaction.atomic():
        sources = FundSource.objects.bulk_create([FundSource(kind=k, name=n) for k, n in SOURCES])
        by_kind = {s.kind: s for s in sources}
        # Allocations: one per source and year; amounts set after the projects.
        allocs = {
            (k, y): Allocation(
                source=by_kind[k],
                area=county,
                year=y,
                amount=Decimal("1.00"),
                allowed_uses=SOURCE_USES.get(k, []),
                document=f"江财农〔{y}〕{i + 1}号",
                created_at=_aware(dt.date(y, 1, 15), 9),
            )
            for i, (k, _n) in enumerate(SOURCES)
            for y in YEARS
        }
        weights = [2 if v.code in poor else 1 for v in villages]
        projects: list[Project] = []
        plans = []
        for i in range(PROJECTS):
            year = YEARS[i % len(YEARS)]
            kind = _pick(rng, {k: v[0] for k, v in KINDS.items()})
            _w, names, (lo, hi), units, ben = KINDS[kind]
            n_villages = 2 if kind in (T.ROAD, T.POWER) and rng.random() < 0.2 else 1
            first = rng.choices(villages, weights=weights)[0]
            chosen = [first]
            if n_villages == 2:
                same = [v for v in villages if v.parent_id == first.parent_id and v != first]
                if same:
                    chosen.append(rng.choice(same))
            chosen.sort(key=lambda v: v.code)
            area = chosen[0] if len(chosen) == 1 else chosen[0].parent
            budget = Decimal(rng.randint(lo * 10, hi * 10)) * 1000
            start = dt.date(year, rng.randint(2, 6), rng.randint(1, 28))
            end = start + dt.timedelta(days=rng.randint(120, 300))
            state = _pick(rng, STATE_WEIGHTS[year])
            unit = rng.choice(units)
            if unit == "乡镇人民政府":
                unit = f"{first.parent.name}人民政府" if first.parent else unit
            projects.append(
                Project(
                    name=rng.choice(names).format(v=first.name),
                    type=kind,
                    area=area,
                    year=year,
                    description="",
                    responsible_unit=unit,
                    budget_requested=budget,
                    starts_on=start,
                    ends_on=end,
                    state=state,
                    created_at=_aware(start - dt.timedelta(days=60), 10),
                )
            )
            plans.append((chosen, ben, state))
        Project.objects.bulk_create(projects)
        say(f"  {len(projects)} projects")

        through = Project.villages.through
        through.objects.bulk_create(
            [
                through(project_id=p.pk, division_id=v.code)
                for p, (chosen, _b, _s) in zip(projects, plans, strict=True)
                for v in chosen
            ]
        )
        # Lifecycle steps, budget lines, payments, beneficiaries.
        steps: list[ProjectStep] = []
        lines: list[BudgetLine] = []
        pays: list[tuple[int, dt.date, Decimal]] = []  # (line index, date, amount)
        links: list[Beneficiary] = []
        committed: dict[tuple, Decimal] = defaultdict(Decimal)
        for p, (chosen, ben, state) in zip(projects, plans, strict=True):
            when = p.starts_on - dt.timedelta(days=60)
            steps.append(
                ProjectStep(
                    project=p,
                    action=StepAction.PROPOSE,
                    from_state=S.PROPOSED,
                    to_state=S.PROPOSED,
                    actor=users.get("village"),
                    actor_name="village",
                    done_at=_aware(when, 10),
                    evidence=EVIDENCE[StepAction.PROPOSE],
                )
            )
            if state == S.REJECTED:
                steps.append(
                    ProjectStep(
                        project=p,
                        action=StepAction.REJECT,
                        from_state=S.PROPOSED,
                        to_state=S.REJECTED,
                        actor=users.get("township"),
                        actor_name="township",
                        done_at=_aware(when + dt.timedelta(days=12), 15),
                        reason="与行业部门项目重复，不予立项",
                    )
                )
                p.state_changed_at = steps[-1].done_at
                continue
            target = PATH.index(state)
            day = when
            for to in PATH[1 : target + 1]:
                action, who = ACTION_TO[to]
                gap = {
                    S.REVIEWED: 10,
                    S.APPROVED: 20,
                    S.IN_PROGRESS: 30,
                    S.ACCEPTED: (p.ends_on - p.starts_on).days + rng.randint(-20, 40),
                    S.DISCLOSED: rng.randint(5, 20),
                }[to]
                day = day + dt.timedelta(days=max(gap, 1))
                steps.append(
                    ProjectStep(
                        project=p,
                        action=action,
                        from_state=PATH[PATH.index(to) - 1],
                        to_state=to,
                        actor=users.get(who),
                        actor_name=who,
                        done_at=_aware(day, 11),
                        evidence=EVIDENCE[action],
                    )
                )
            p.state_changed_at = steps[-1].done_at
            # Budget: from 1–3 sources whose uses allow the type; approved and later
            # states have it committed (a proposal may already carry a draft line).
            if target < PATH.index(S.APPROVED) and rng.random() < 0.6:
                continue
            budget = p.budget_requested * Decimal(rng.choice(["1", "1", "0.9", "0.95"]))
            allowed = [
                k for k in SOURCE_WEIGHT if not SOURCE_USES.get(k) or p.type in SOURCE_USES[k]
            ]
            kinds = rng.sample(allowed, k=min(len(allowed), rng.choice([1, 2, 2, 3])))
            shares = [Decimal(SOURCE_WEIGHT[k]) for k in kinds]
            total_share = sum(shares)
            amounts = [(budget * s / total_share).quantize(CENT) for s in shares]
            amounts[0] += budget.quantize(CENT) - sum(amounts)
            for k, amount in zip(kinds, amounts, strict=True):
                if amount <= 0:
                    continue
                alloc = allocs[(k, p.year)]
                committed[(k, p.year)] += amount
                lines.append(BudgetLine(project=p, allocation=alloc, amount=amount))
                idx = len(lines) - 1
                if state in (S.ACCEPTED, S.DISCLOSED):
                    share = Decimal(rng.choice(["1", "1", "1", "0.97", "0.95"]))
                elif state == S.IN_PROGRESS:
                    share = Decimal(rng.randint(15, 85)) / 100
                else:
                    share = Decimal(0)
                paid = (amount * share).quantize(CENT)
                if paid > 0:
                    n = rng.choice([1, 2, 3]) if paid > 10 else 1
                    span = max((p.ends_on - p.starts_on).days, 30)
                    for part in _split(rng, paid, n):
                        on = p.starts_on + dt.timedelta(days=rng.randint(20, span))
                        pays.append((idx, on, part))
            if ben is not None:
                pool = [h for v in chosen for h in households.get(v.code, [])]
                if pool:
                    count = min(len(pool), rng.randint(*ben))
                    links.extend(
                        Beneficiary(project=p, household_id=h, added_at=p.created_at)
                        for h in sorted(rng.sample(pool, count))
                    )
        Project.objects.bulk_update(projects, ["state_changed_at"], batch_size=500)
        # Allocation amounts: 80–98% committed; an allocation nothing drew on gets a
        # small round amount so that the balance shows.
        for key, alloc in allocs.items():
            used = committed.get(key, Decimal(0))
            if used:
                amount = used / (Decimal(rng.randint(80, 98)) / 100)
            else:
                amount = Decimal(rng.randint(20, 120)) * 10000
            alloc.amount = (amount / 10000).quantize(Decimal(1), ROUND_UP) * 10000
            alloc.committed = used
        paid_by_line: dict[int, Decimal] = defaultdict(Decimal)
        for idx, _on, amount in pays:
            paid_by_line[idx] += amount
        for idx, line in enumerate(lines):
            line.disbursed = paid_by_line.get(idx, Decimal(0))
        for alloc in allocs.values():
            alloc.disbursed = sum(
                (ln.disbursed for ln in lines if ln.allocation is alloc), Decimal(0)
            )
        Allocation.objects.bulk_create(list(allocs.values()))
        for (k, _y), alloc in allocs.items():
            alloc.source, alloc.area = by_kind[k], county  # cached for __str__ in history
        for line in lines:
            line.allocation_id = line.allocation.pk
        BudgetLine.objects.bulk_create(lines, batch_size=1000)
        # Payments over the countersign threshold carry the second county user's
        # countersignature (four eyes), an hour after they were recorded.
        threshold = authority.setting_for(county.code).countersign_above
        second = users.get("county2")
        disbursements = [
            Disbursement(
                line=lines[idx],
                paid_on=on,
                amount=amount,
                voucher=f"记账凭证 {on:%Y%m}-{n + 1:04d}",
                recorded_by=users.get("county"),
                recorded_at=_aware(on, 16),
                **(
                    {
                        "countersigned_by": second,
                        "countersigned_by_name": getattr(second, "username", "county2"),
                        "countersigned_at": _aware(on, 17),
                    }
                    if amount > threshold
                    else {}
                ),
            )
            for n, (idx, on, amount) in enumerate(sorted(pays, key=lambda x: (x[1], x[0])))
        ]
        Disbursement.objects.bulk_create(disbursements, batch_size=2000)
        ProjectStep.objects.bulk_create(steps, batch_size=2000)
        Beneficiary.objects.bulk_create(links, batch_size=2000)
        say(
            f"  {len(lines)} budget lines, {len(disbursements)} payments, "
            f"{len(links)} beneficiary links"
        )
        _history(sources, list(allocs.values()), projects, lines, disbursements, steps, links)


def _history(sources, allocs, projects, lines, disbursements, steps, links) -> None:
    """One creation record for every demo object, in bulk (as the registry demo does)."""

    def rec(obj, area, time, related=None):
        return build_change(
            actor=DEMO_ACTOR,
            instance=obj,
            action=ChangeAction.CREATE,
            before=None,
            area_code=area,
            reason=REASON,
            related=related,
            time=time,
        )

    by_pk = {p.pk: p for p in projects}
    records = [rec(s, COUNTY + "000000", timezone.now()) for s in sources]
    records += [rec(a, a.area_id, a.created_at) for a in allocs]
    records += [rec(p, p.area_id, p.created_at) for p in projects]
    for line in lines:
        p = by_pk[line.project_id]
        records.append(rec(line, p.area_id, p.created_at, related=p))
    for d in disbursements:
        p = by_pk[d.line.project_id]
        records.append(rec(d, p.area_id, d.recorded_at, related=p))
    for s in steps:
        p = by_pk[s.project_id]
        records.append(rec(s, p.area_id, s.done_at, related=p))
    for b in links:
        p = by_pk[b.project_id]
        records.append(rec(b, p.area_id, b.added_at, related=p))
    bulk_record(records)


MODELS = (Disbursement, BudgetLine, Beneficiary, ProjectStep, Project, Allocation, FundSource)


def wipe_demo() -> None:
    """Remove all funds and projects data and its history (the demo is rebuilt whole)."""
    labels = [type_label(m) for m in MODELS]
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(connection.alias)
        Project.villages.through.objects.all().delete()
        for model in MODELS:
            model.objects.all()._raw_delete(connection.alias)
