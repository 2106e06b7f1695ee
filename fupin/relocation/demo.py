"""Demo relocation for the demo county, shaped by Chenzhou: 35,464 people moved into
10,311 homes (3.4 people a home) for 405,000 registered poor, so about 8.8% of the
registered poor people relocated, from remote villages, in 2017–2020. Most go to
centralised sites (the county town's, and one for every few townships), the others to a
township's scattered resettlement. Homes are at most 25 m² a person. The old house is
demolished within the year for most, kept for a few (a protected building, shared with
relatives who stayed), and overdue for some.

After the move (搬得出、稳得住、富得起): community services for every household, schooling
for those with children of school age, and for most labourers without a job a job in the
site's poverty-alleviation workshop or the county's industrial park (an employment
support naming the job, `employment.Placement`), so that the relocated labourers are
mostly in work.

Runs after the employment demo (INSTALLED_APPS order); deterministic (seeded), every
row with its creation record; bulk inserts."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.assistance.due import due_q, periods
from fupin.core.frames import reserve_ids
from fupin.core.history import type_label
from fupin.core.models import ChangeRecord
from fupin.employment import rules as employment
from fupin.employment.models import Placement, PlacementKind
from fupin.programmes.bulk import Created, insert_created
from fupin.registry.choices import HouseholdStatus, MigrantPlace
from fupin.registry.models import Household, Member
from fupin.relocation.models import OldHouse, Relocation, Site, SiteKind, Support, SupportKind

MODELS = (Support, Relocation, Site)
REGISTERED = (
    HouseholdStatus.POOR,
    HouseholdStatus.RETURNED,
    HouseholdStatus.EXITED,
    HouseholdStatus.MONITORED,
)
SHARE = 35_464 / 405_000  # Chenzhou: people relocated per registered poor person
REMOTE = 0.3  # of the villages: those people moved from
SCATTERED = 0.25  # of the relocated households: scattered resettlement
TOWNSHIPS_A_SITE = 3
KEPT_SHARE, PENDING_SHARE = 0.04, 0.06
JOB_SHARE = 0.85  # of the relocated labourers without a job: one found after the move
KEPT = ["传统村落保护建筑，依规保留", "与未搬迁的亲属共用"]


def _home(rng: random.Random) -> str:
    """A flat: building, unit, floor and door (3栋2单元501)."""
    building, unit = rng.randrange(1, 30), rng.randrange(1, 4)
    return f"{building}栋{unit}单元{rng.randrange(1, 7)}0{rng.randrange(1, 5)}"


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    rng = random.Random(seed + 29)
    today = timezone.localdate()
    households = list(
        Household.objects.filter(status__in=REGISTERED)
        .order_by("id")
        .values_list("id", "village_id")
    )
    if not households:
        return
    members: dict[int, list[tuple[int, str, dt.date]]] = {}
    for mid, hid, labour, birth in (
        Member.objects.filter(is_active=True, household__status__in=REGISTERED)
        .order_by("id")
        .values_list("id", "household_id", "labour", "birth_date")
    ):
        members.setdefault(hid, []).append((mid, labour, birth))
    registered = sum(len(v) for v in members.values())
    target = round(registered * SHARE)
    villages = sorted({v for _h, v in households})
    remote = set(rng.sample(villages, max(1, round(len(villages) * REMOTE))))
    townships = sorted({v[:9] for v in villages})
    # Sites: the county town's (in the first village, its community), one centralised
    # site for every few townships, a scattered resettlement in each township.
    county_site = Site(
        name="县城易地扶贫搬迁安置区",
        kind=SiteKind.CENTRALISED,
        village_id=villages[0],
        address="县城城东新区",
        completed_on=dt.date(2017, 9, 30),
    )
    centres = [
        Site(
            name=f"第{i + 1}片区集中安置点",
            kind=SiteKind.CENTRALISED,
            village_id=min(v for v in villages if v.startswith(t)),
            address="集镇旁",
            completed_on=dt.date(2018, 3, 31) + dt.timedelta(days=120 * (i % 4)),
        )
        for i, t in enumerate(townships[::TOWNSHIPS_A_SITE])
    ]
    scattered = {
        t: Site(
            name="分散安置",
            kind=SiteKind.SCATTERED,
            village_id=min(v for v in villages if v.startswith(t)),
            completed_on=None,
        )
        for t in townships
    }
    p = periods()
    site_of: dict[int, Site] = {}
    candidates = [(h, v) for h, v in households if v in remote and members.get(h)]
    rng.shuffle(candidates)
    relocations: list[Relocation] = []
    moved_people = 0
    due_sets: dict[dt.date, set[int]] = {}
    for hid, village in candidates:
        if moved_people >= target:
            break
        township = village[:9]
        if rng.random() < SCATTERED:
            site = scattered[township]
            handed = dt.date(2017, 6, 1) + dt.timedelta(days=rng.randrange(0, 1200))
        else:
            site = (
                county_site
                if rng.random() < 0.5
                else centres[townships.index(township) // TOWNSHIPS_A_SITE]
            )
            assert site.completed_on is not None
            handed = site.completed_on + dt.timedelta(days=rng.randrange(15, 120))
        handed = handed.replace(day=1)  # the due set's day
        if site.completed_on is not None and handed < site.completed_on:
            continue
        if handed not in due_sets:
            due_sets[handed] = set(
                Household.objects.filter(due_q(handed, p)).values_list("id", flat=True)
            )
        if hid not in due_sets[handed]:
            continue
        people = len(members[hid])
        moved = handed + dt.timedelta(days=rng.randrange(0, 60))
        fate = rng.random()
        r = Relocation(
            household_id=hid,
            village_id=village,
            people=people,
            home=_home(rng) if site.kind == SiteKind.CENTRALISED else "自购房",
            home_area=Decimal(25 * people - rng.randrange(0, 6)),
            handed_over_on=handed,
            moved_in_on=moved,
        )
        if fate < KEPT_SHARE:
            r.old_house, r.kept_reason = OldHouse.KEPT, rng.choice(KEPT)
        elif fate >= KEPT_SHARE + PENDING_SHARE:
            r.old_house = OldHouse.DEMOLISHED
            r.demolished_on = moved + dt.timedelta(days=rng.randrange(30, 330))
            r.demolition_verified_on = r.demolished_on + dt.timedelta(days=20)
        relocations.append(r)
        site_of[id(r)] = site
        moved_people += people
    used = [
        s
        for s in [county_site, *centres, *scattered.values()]
        if any(site_of[id(r)] is s for r in relocations)
    ]
    for s in used:
        at = [r for r in relocations if site_of[id(r)] is s]
        s.homes = len(at) + max(2, len(at) // 20)
        s.capacity = sum(r.people for r in at) + max(5, sum(r.people for r in at) // 20)
    parents: dict[Any, Any] = dict(site_of)
    supports, jobs = _follow_up(rng, today, relocations, members, parents)
    _write(used, relocations, supports, jobs, parents)
    if log:
        log(
            _(
                "Relocation: %(sites)d resettlement sites, %(households)d households with "
                "%(people)d people, %(supports)d follow-up supports, %(jobs)d jobs found after "
                "the move."
            )
            % {
                "sites": len(used),
                "households": len(relocations),
                "people": moved_people,
                "supports": len(supports),
                "jobs": len(jobs),
            }
        )


def _follow_up(
    rng: random.Random,
    today: dt.date,
    relocations: list[Relocation],
    members: dict[int, list[tuple[int, str, dt.date]]],
    parents: dict[Any, Any],
) -> tuple[list[Support], list[Placement]]:
    """Community services, schooling and jobs after each move; `parents` gets each
    support's relocation (and job), by id() of the support."""
    working = set(
        Placement.objects.filter(household_id__in=[r.household_id for r in relocations])
        .filter(end_on__isnull=True)
        .values_list("member_id", flat=True)
    )
    supports: list[Support] = []
    jobs: list[Placement] = []

    def add(r: Relocation, support: Support, job: Placement | None = None) -> None:
        supports.append(support)
        parents[id(support)] = r
        if job is not None:
            jobs.append(job)
            parents[(id(support), "job")] = job

    for r in relocations:
        assert r.moved_in_on is not None
        site = parents[id(r)]
        add(
            r,
            Support(
                kind=SupportKind.COMMUNITY,
                on=r.moved_in_on + dt.timedelta(days=15),
                description="户籍、医保、低保关系转接，纳入社区网格管理",
            ),
        )
        if any(6 <= _age(b, r.moved_in_on) <= 15 for _m, _l, b in members[r.household_id]):
            add(
                r,
                Support(
                    kind=SupportKind.SCHOOLING,
                    on=r.moved_in_on + dt.timedelta(days=20),
                    description="子女转入安置点配套学校就读",
                ),
            )
        for mid, labour, birth in members[r.household_id]:
            if mid in working or not employment.is_labourer(labour, _age(birth, today)):
                continue
            if rng.random() >= JOB_SHARE:
                continue
            start = r.moved_in_on + dt.timedelta(days=rng.randrange(30, 180))
            if start >= today or _age(birth, start) < employment.WORK_MIN_AGE:
                continue
            workshop = site.kind == SiteKind.CENTRALISED and rng.random() < 0.6
            job = Placement(
                household_id=r.household_id,
                member_id=mid,
                village_id=r.village_id,
                kind=PlacementKind.WORKSHOP if workshop else PlacementKind.LOCAL,
                employer=f"{site.name}扶贫车间" if workshop else "县工业园区企业",
                place=site.name if workshop else "县城",
                place_scope=MigrantPlace.IN_COUNTY,
                start_on=start,
                monthly_income=Decimal(rng.randrange(1800, 3200, 100)),
            )
            add(
                r,
                Support(
                    kind=SupportKind.EMPLOYMENT,
                    on=start,
                    description="安置点就业帮扶：介绍到扶贫车间或园区企业就业",
                    member_id=mid,
                ),
                job,
            )
    return supports, jobs


def _write(
    sites: list[Site],
    relocations: list[Relocation],
    supports: list[Support],
    jobs: list[Placement],
    parents: dict[Any, Any],
) -> None:
    for objs, model in (
        (sites, Site),
        (relocations, Relocation),
        (supports, Support),
        (jobs, Placement),
    ):
        for obj, pk in zip(objs, reserve_ids(model, len(objs)), strict=True):
            obj.pk = pk
    for r in relocations:
        r.site_id = parents[id(r)].pk
    for s in supports:
        s.relocation_id = parents[id(s)].pk
        job = parents.get((id(s), "job"))
        s.placement_id = job.pk if job is not None else None
    hh = type_label(Household)

    def under_household(x: Any) -> tuple[str, Any]:
        return (hh, x.household_id)

    def village(x: Any) -> str:
        return str(x.village_id)

    insert_created(
        [
            Created(Site, sites, village),
            Created(Relocation, relocations, village, under_household),
            Created(Placement, jobs, village, under_household),
            Created(
                Support,
                supports,
                lambda s: str(parents[id(s)].village_id),
                lambda s: (type_label(Relocation), s.relocation_id),
            ),
        ],
        _("Demo data: relocation"),
    )


def wipe_demo() -> None:
    """Remove the ledger and its history (the demo is rebuilt whole; the jobs found after
    the move go with the employment demo's)."""
    labels = [type_label(m) for m in MODELS]
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(connection.alias)
        for model in MODELS:
            model.objects.all()._raw_delete(connection.alias)
