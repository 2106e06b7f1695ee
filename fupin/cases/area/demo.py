"""Demo data of the area exits (贫困村退出, 贫困县退出), built by `fupin.cases.demo` after
the household cases, deterministic from the seed.

- Every poor village the registry demo planned to exit (`registry.demo.plan_villages`:
  Chenzhou's proportions, most by 2019) exits through a passed village exit case in its
  year: applied by its clerk in the autumn, verified by a township station user, noticed by
  the township for 7 days, approved by a county office user (never the one who verified:
  four eyes), written the way `area.services` writes it (cases, signed steps, the completed
  notice, change records by who acted, at the day they acted) and the village's year of
  exit set with its change record naming the case. Historic cases carry no checklist: the
  system did not hold the data of those years when they were decided (as the household
  cases' decision snapshots).
- The demo county is a poor county (重点县) since 2014 and exits in 2019 through a passed
  county exit case: proposed by the county office, reviewed by the prefecture's county
  office (市级初审), checked (专项评估检查) and approved by two users of the province's.
- One poor village not yet exited has an open case this year, made through the services
  themselves: applied and verified today, its checklist recorded.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from fupin.accounts.models import User
from fupin.accounts.roles import Role
from fupin.cases.area import services
from fupin.cases.demo import Signers
from fupin.cases.models import AreaCase, AreaCaseStep, AreaNotice, AreaObjection, CaseStatus
from fupin.cases.procedures import AreaKind, area_procedure_for
from fupin.core.history import build_change, bulk_record, snapshot, type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.geo.models import CountyProfile, Division, PoorCountyKind, VillageProfile
from fupin.registry import demo as registry_demo
from fupin.registry.models import Household

Log = Callable[[str], None] | None
TZ = registry_demo.TZ
COUNTY_EXIT_YEAR = 2019
HISTORIC = "历史档案补录：系统上线前已办结的退出"


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=TZ).astimezone(dt.UTC)


def planned_exits(seed: int) -> dict[str, int | None]:
    """The registry demo's poor villages and their planned year of exit (None: not yet)."""
    outside = Household.objects.exclude(village__code__startswith=registry_demo.COUNTY).exists()
    area = registry_demo.PREFECTURE if outside else registry_demo.COUNTY
    plans = registry_demo.plan_villages(registry_demo.Scale(1, area), seed)
    return {p.village.code: p.exit_year for p in plans if p.is_poor}


def _office(name: str, area: str, password: str) -> User:
    user, _created = User.objects.get_or_create(
        username=name,
        defaults={
            "password": password,
            "role": Role.COUNTY_OFFICE,
            "area_id": area,
            "unit": "扶贫开发办公室",
        },
    )
    return user


class Writer:
    """Cases, steps, notices and their change records, the way the services write them."""

    def __init__(self) -> None:
        self.records: list[ChangeRecord] = []

    def walk(
        self,
        *,
        kind: str,
        area: str,
        signers: dict[str, User],
        days: dict[str, dt.date],
        reason: str,
        phone: str,
    ) -> AreaCase:
        """A passed case: `signers` and `days` by step code (the notice's: its posting)."""
        steps = area_procedure_for(kind, area)
        first = steps[0].code
        case = AreaCase.objects.create(
            kind=kind,
            area_id=area,
            status=CaseStatus.OPEN,
            steps=[s.code for s in steps],
            year=days[first].year,
            reason=reason,
            opened_by=signers[first],
            opened_at=_at(days[first], 9),
            step_started_on=days[first],
            step_due_on=days[first] + dt.timedelta(days=steps[0].days),
        )
        self._record(signers[first], case, None, area, _at(days[first], 9), reason)
        for index, step in enumerate(steps):
            before = self._state(case)
            day = days[step.code]
            if step.notice:
                notice = AreaNotice.objects.create(
                    case=case,
                    posted_on=day,
                    days=step.days,
                    ends_on=day + dt.timedelta(days=step.days - 1),
                    phone=phone,
                    posted_by=signers[step.code],
                    created_at=_at(day, 9),
                    completed_at=_at(day + dt.timedelta(days=step.days), 0),
                )
                self._record(signers[step.code], notice, None, area, _at(day, 9), "", case)
                day = notice.ends_on + dt.timedelta(days=1)
                actor = None
                decision, evidence = (
                    "notice_ended",
                    (f"公示 {notice.posted_on} 至 {notice.ends_on}，无异议。"),
                )
            else:
                actor = signers[step.code]
                decision = "approve" if step.review else "done"
                evidence = "" if step.review else f"{step.label}：材料齐全，已签字。"
            record = AreaCaseStep(
                case=case, step=step.code, index=index, decision=decision, evidence=evidence
            )
            record.sign(actor)
            record.done_at = _at(day, 15)
            record.save()
            self._record(actor, record, None, area, record.done_at, "", case)
            case.step_index = index
            if index + 1 < len(steps):
                case.step_index = index + 1
                case.status = CaseStatus.IN_PROGRESS
                case.step_started_on = day
                case.step_due_on = day + dt.timedelta(days=steps[index + 1].days)
            else:
                case.status = CaseStatus.PASSED
                case.closed_at = record.done_at
                case.step_due_on = None
            case.save()
            self._record(actor, case, before, area, record.done_at, str(step.label))
        return case

    def exit_year(
        self, model: type[Any], code: str, year: int, actor: User, case: AreaCase
    ) -> None:
        profile = model.objects.get(pk=code)
        before = self._state(profile)
        profile.exit_year = year
        profile.save()
        assert case.closed_at is not None
        self._record(actor, profile, before, code, case.closed_at, services.case_label(case))

    @staticmethod
    def _state(instance: Any) -> dict[str, Any]:
        return snapshot(instance)

    def _record(self, actor, instance, before, area, time, reason, related=None) -> None:
        self.records.append(
            build_change(
                actor=actor,
                instance=instance,
                action=ChangeAction.CREATE if before is None else ChangeAction.UPDATE,
                before=before,
                area_code=area,
                reason=reason,
                related=related,
                time=time,
            )
        )


def build(*, seed: int, log: Log = None) -> None:
    """The area exits of the demo (see the module docstring)."""
    log = log or (lambda _msg: None)
    exits = planned_exits(seed)
    if not exits or AreaCase.objects.exists():
        return
    signers = Signers(exits, seed)
    password = make_password(registry_demo.DEMO_PASSWORD)
    county_code = f"{registry_demo.COUNTY}000000"
    county = Division.objects.get(code=county_code)
    prefecture = str(county.parent_id)
    province = str(Division.objects.get(code=prefecture).parent_id)
    city = _office(f"demo-office-{prefecture}-1", prefecture, password)
    prov1 = _office(f"demo-office-{province}-1", province, password)
    prov2 = _office(f"demo-office-{province}-2", province, password)
    writer = Writer()
    exited = 0
    with transaction.atomic():
        for code, year in sorted(exits.items()):
            if year is None:
                continue
            rng = random.Random(f"fupin-demo:{seed}:village-exit:{code}")
            applied = dt.date(year, rng.randint(8, 10), rng.randint(1, 28))
            verified = applied + dt.timedelta(days=rng.randint(7, 15))
            posted = verified + dt.timedelta(days=rng.randint(1, 4))
            approved = posted + dt.timedelta(days=7 + rng.randint(3, 12))
            township_users = signers.pool(Role.TOWNSHIP_STATION, code)
            county_users = signers.pool(Role.COUNTY_OFFICE, code)
            township_user = township_users[rng.randrange(len(township_users))]
            signers_of = {
                "application": signers.pool(Role.VILLAGE_STAFF, code)[0],
                "verification": township_user,
                "notice": township_user,
                "approval": county_users[rng.randrange(len(county_users))],
            }
            case = writer.walk(
                kind=AreaKind.VILLAGE_EXIT,
                area=code,
                signers=signers_of,
                days={
                    "application": applied,
                    "verification": verified,
                    "notice": posted,
                    "approval": min(approved, dt.date(year, 12, 28)),
                },
                reason=HISTORIC,
                phone="0746-12317",
            )
            approver = signers_of["approval"]
            writer.exit_year(VillageProfile, code, year, approver, case)
            exited += 1
        # The county: a key county since 2014, exited in 2019.
        profile, _created = CountyProfile.objects.get_or_create(county_id=county_code)
        before = writer._state(profile)
        profile.poor_county = PoorCountyKind.KEY
        profile.save()
        writer._record(
            None,
            profile,
            before,
            county_code,
            _at(dt.date(2014, 3, 31)),
            "国家扶贫开发工作重点县名单",
        )
        office = signers.by_area.get((Role.COUNTY_OFFICE, county_code)) or [
            _office(f"demo-office-{county_code}-1", county_code, password)
        ]
        y = COUNTY_EXIT_YEAR
        case = writer.walk(
            kind=AreaKind.COUNTY_EXIT,
            area=county_code,
            signers={
                "proposal": office[0],
                "city_review": city,
                "province_check": prov1,
                "notice": prov1,
                "approval": prov2,
            },
            days={
                "proposal": dt.date(y, 9, 10),
                "city_review": dt.date(y, 9, 28),
                "province_check": dt.date(y, 11, 20),
                "notice": dt.date(y, 11, 25),
                "approval": dt.date(y, 12, 20),
            },
            reason=HISTORIC,
            phone="0731-12317",
        )
        writer.exit_year(CountyProfile, county_code, y, prov2, case)
        bulk_record(writer.records)
    # One village not yet exited applies this year, through the services themselves.
    waiting = sorted(c for c, y in exits.items() if y is None and c.startswith(county_code[:6]))
    opened = ""
    if waiting:
        code = waiting[0]
        today = timezone.localdate()
        village_user = signers.pool(Role.VILLAGE_STAFF, code)[0]
        case = services.area_case_open(
            actor=village_user, area_code=code, kind=AreaKind.VILLAGE_EXIT, today=today
        )
        case = services.area_step_do(
            actor=village_user,
            case=case,
            step="application",
            evidence="村两委退出申请",
            today=today,
        )
        services.area_step_do(
            actor=signers.pool(Role.TOWNSHIP_STATION, code)[0],
            case=case,
            step="verification",
            decision="approve",
            today=today,
        )
        opened = f", an open case in {code}"
    log(
        f"cases: {exited} poor villages exited through their case, the county's exit in "
        f"{COUNTY_EXIT_YEAR}{opened}"
    )


def wipe() -> None:
    """Remove the area exit cases with their change records; clear the years of exit."""
    labels = [type_label(m) for m in (AreaCase, AreaCaseStep, AreaNotice, AreaObjection)]
    ChangeRecord.objects.filter(object_type__in=labels).delete()
    for model in (AreaObjection, AreaNotice, AreaCaseStep, AreaCase):
        model.objects.all().delete()
    ChangeRecord.objects.filter(object_type=type_label(CountyProfile)).delete()
    CountyProfile.objects.all().delete()
    VillageProfile.objects.exclude(exit_year=None).update(exit_year=None)
