"""Demo posts and employment for the demo county, shaped by the field figures scaled by
registered poor people: Loudi created 1,727 public-welfare posts for 543,090 registered
poor (0.32%); Chenzhou pays 909 forest rangers 10,000 yuan a year for 405,000 registered
poor (0.22%, 833.33 yuan a month). So about 0.54% of the county's registered poor hold a
post at any time, a ranger post for two of five, paid on the 5th of the next month. About
one holding in six ends (resigned,
moved, term ended) and the post is filled again a month or two later; a few holders
lost their post last month or were not paid for it (the grading signal `lost_post`).

Jobs: the registry's members who work away from home (`Member.migrant_place`) get a
job of that kind and place; about half of the other labourers of registered households
work locally or in a poverty-alleviation workshop; a quarter of the jobs have ended.
Migrant workers outside the county get a 500-yuan transport subsidy in most years.

Deterministic (seeded), every row with its creation record; bulk inserts. Holders
satisfy the rules (due assistance on the first day, able to work, aged 18 to 60, one
post each)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.assistance.due import add_years, due_q, periods
from fupin.core.frames import reserve_ids
from fupin.core.history import type_label
from fupin.core.models import ChangeRecord
from fupin.employment import rules
from fupin.employment.models import (
    EndReason,
    Holding,
    HoldingStatus,
    Payment,
    Placement,
    PlacementKind,
    Post,
    PostKind,
    TransportSubsidy,
)
from fupin.funds.models import SourceKind
from fupin.programmes.bulk import Created, insert_created
from fupin.registry.choices import WORKING_CAPACITIES, HouseholdStatus, MigrantPlace
from fupin.registry.models import Household, Member

MODELS = (TransportSubsidy, Placement, Payment, Holding, Post)
REGISTERED = (
    HouseholdStatus.POOR,
    HouseholdStatus.RETURNED,
    HouseholdStatus.EXITED,
    HouseholdStatus.MONITORED,
)
RANGER_SHARE = 909 / 405_000  # Chenzhou: forest rangers per registered poor person
POST_SHARE = 1_727 / 543_090  # Loudi: other public-welfare posts per registered poor person
RANGER_PAY = Decimal("833.33")  # 10,000 yuan a year
OTHER_POSTS = [
    (PostKind.CLEANER, Decimal("600"), "村民委员会"),
    (PostKind.ROAD_KEEPER, Decimal("600"), "县交通运输局"),
    (PostKind.WATER_KEEPER, Decimal("500"), "县水利局"),
    (PostKind.CARER, Decimal("800"), "乡镇人民政府"),
    (PostKind.WARDEN, Decimal("500"), "村民委员会"),
]
ENDED_SHARE = 0.16
ENDINGS = [EndReason.RESIGNED, EndReason.TERM_ENDED, EndReason.MOVED, EndReason.DISMISSED]
LOST_LAST_MONTH = 3  # holdings ended last month, not filled again
UNPAID_LAST_MONTH = 2  # holdings not paid for last month
LOCAL_SHARE = 0.5  # of the labourers without migrant work: a local job
JOB_ENDED_SHARE = 0.25
SUBSIDY = Decimal("500")
SUBSIDY_SHARE = 0.7
EMPLOYERS: dict[str, list[tuple[str, str]]] = {
    MigrantPlace.OUT_PROVINCE: [
        ("广东省东莞市", "东莞市长安镇电子厂"),
        ("广东省深圳市", "深圳市宝安区制衣厂"),
        ("浙江省义乌市", "义乌市小商品物流公司"),
        ("福建省晋江市", "晋江市鞋业有限公司"),
    ],
    MigrantPlace.IN_PROVINCE: [
        ("长沙市", "长沙经开区汽车配件厂"),
        ("郴州市", "郴州市建筑劳务公司"),
        ("株洲市", "株洲市服装加工厂"),
    ],
    MigrantPlace.IN_COUNTY: [("县城", "县工业园农产品加工厂"), ("县城", "县城家政服务公司")],
    MigrantPlace.IN_TOWNSHIP: [("本乡镇", "乡镇油茶合作社"), ("本乡镇", "乡镇建筑队")],
    MigrantPlace.OTHER: [("外地", "个体经营")],
}
WORKSHOP = ("本村", "扶贫车间（来料加工）")
INCOME: dict[str, tuple[int, int]] = {
    MigrantPlace.OUT_PROVINCE: (3500, 6000),
    MigrantPlace.IN_PROVINCE: (2800, 4500),
    MigrantPlace.IN_COUNTY: (1800, 3000),
    MigrantPlace.IN_TOWNSHIP: (1500, 2600),
    MigrantPlace.OTHER: (1500, 3500),
}


def _quarters(first: dt.date, last: dt.date) -> list[dt.date]:
    out, day = [], first
    while day <= last:
        out.append(day)
        day = rules.month_start(rules.month_end(day) + dt.timedelta(days=70))
    return out


def _months(first: dt.date, until: dt.date) -> list[dt.date]:
    """The first days of the months from `first`'s to the month before `until`'s."""
    out, day = [], rules.month_start(first)
    while day < rules.month_start(until):
        out.append(day)
        day = rules.month_end(day) + dt.timedelta(days=1)
    return out


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    rng = random.Random(seed + 23)
    today = timezone.localdate()
    people = list(
        Member.objects.filter(is_active=True, household__status__in=REGISTERED)
        .order_by("id")
        .values_list(
            "id", "household_id", "household__village_id", "labour", "birth_date", "migrant_place"
        )
    )
    if not people:
        return
    registered = len(people)
    villages = sorted({p[2] for p in people})
    # ---------------------------------------------------------------- posts and holders
    p = periods()
    first, last_start = dt.date(2017, 1, 1), rules.month_start(today) - dt.timedelta(days=400)
    starts = _quarters(first, last_start)
    due_on = {
        d: set(Household.objects.filter(due_q(d, p)).values_list("id", flat=True)) for d in starts
    }
    by_township: dict[str, list[tuple[int, int, str, dt.date]]] = {}
    for mid, hid, village, labour, birth, _place in people:
        if labour in WORKING_CAPACITIES:
            by_township.setdefault(village[:9], []).append((mid, hid, village, birth))
    n_rangers = max(1, round(registered * RANGER_SHARE))
    n_other = max(1, round(registered * POST_SHARE))
    kinds = [(PostKind.FOREST_RANGER, RANGER_PAY, "县林业局")] * n_rangers + [
        OTHER_POSTS[i % len(OTHER_POSTS)] for i in range(n_other)
    ]
    posts: list[Post] = []
    holdings: list[Holding] = []
    payments: list[Payment] = []
    taken: set[int] = set()
    parents: dict[int, Any] = {}
    seq: dict[str, int] = {}
    last_month, _end = rules.previous_month(today)

    def holder(township: str, start: dt.date) -> tuple[int, int, str] | None:
        pool = by_township.get(township, [])
        for _try in range(40):
            if not pool:
                return None
            mid, hid, village, birth = pool[rng.randrange(len(pool))]
            if (
                mid not in taken
                and hid in due_on[start]
                and rules.HOLDER_MIN_AGE <= _age(birth, start) <= rules.HOLDER_MAX_AGE
            ):
                taken.add(mid)
                return mid, hid, village
        return None

    def hold(post: Post, who: tuple[int, int, str], start: dt.date, end: dt.date | None) -> Holding:
        mid, hid, village = who
        h = Holding(
            household_id=hid,
            member_id=mid,
            village_id=village,
            status=HoldingStatus.APPROVED,
            start_on=start,
            end_on=end,
            end_reason=rng.choice(ENDINGS) if end else "",
            decided_on=start - dt.timedelta(days=7),
        )
        holdings.append(h)
        parents[id(h)] = post
        return h

    def pay_month(h: Holding, month: dt.date, pay: Decimal) -> None:
        x = Payment(month=month, amount=pay, paid_on=rules.month_end(month) + dt.timedelta(days=5))
        if x.paid_on <= today:
            payments.append(x)
            parents[id(x)] = h

    lost = unpaid = 0
    for kind, pay, unit in kinds:
        village = villages[rng.randrange(len(villages))]
        seq[village] = seq.get(village, 0) + 1
        opened = starts[rng.randrange(len(starts) // 2 + 1)]
        post = Post(
            code=f"GY{village[6:]}{seq[village]:03d}",
            kind=kind,
            unit=unit,
            village_id=village,
            monthly_pay=pay,
            funding=SourceKind.CENTRAL
            if kind == PostKind.FOREST_RANGER
            else rng.choice([SourceKind.INTEGRATED, SourceKind.COUNTY, SourceKind.PROVINCIAL]),
            opened_on=opened,
        )
        posts.append(post)
        who = holder(village[:9], opened)
        if who is None:
            continue
        start = opened
        end: dt.date | None = None
        if lost < LOST_LAST_MONTH and rng.random() < 0.05:
            end = last_month + dt.timedelta(days=14)  # ended mid-month, not filled again
            lost += 1
        elif rng.random() < ENDED_SHARE:
            span = rng.randrange(12, 37)
            end = rules.month_start(rules.month_end(start) + dt.timedelta(days=30 * span))
            if end >= last_month:
                end = None
        first_holding = hold(post, who, start, end)
        stop_pay = unpaid < UNPAID_LAST_MONTH and end is None and rng.random() < 0.05
        unpaid += int(stop_pay)
        for month in _months(start, end or today):
            if stop_pay and month == last_month:
                continue
            pay_month(first_holding, month, pay)
        if end is not None and end < last_month:
            nxt = rules.month_start(end + dt.timedelta(days=rng.randrange(20, 60)))
            candidates = [d for d in starts if d >= nxt]
            if candidates and (who := holder(village[:9], candidates[0])) is not None:
                second = hold(post, who, candidates[0], None)
                for month in _months(candidates[0], today):
                    pay_month(second, month, pay)
    # ---------------------------------------------------------------- jobs
    placements: list[Placement] = []
    subsidies: list[TransportSubsidy] = []
    in_post = {h.member_id for h in holdings if h.end_on is None}
    for mid, hid, village, labour, birth, place in people:
        if _age(birth, today) > rules.LABOUR_MAX_AGE or labour not in WORKING_CAPACITIES:
            continue
        if place:
            work = PlacementKind.MIGRANT if place in rules.AWAY else PlacementKind.LOCAL
            city, employer = rng.choice(EMPLOYERS[place])
        elif mid not in in_post and rng.random() < LOCAL_SHARE:
            place = rng.choice([MigrantPlace.IN_COUNTY, MigrantPlace.IN_TOWNSHIP])
            if rng.random() < 0.4:
                work, (city, employer) = PlacementKind.WORKSHOP, WORKSHOP
            else:
                work = PlacementKind.LOCAL
                city, employer = rng.choice(EMPLOYERS[place])
        else:
            continue
        start = dt.date(2018, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 6))
        start = max(start, add_years(birth, rules.WORK_MIN_AGE + 1))
        if start >= today:
            continue
        end = None
        if rng.random() < JOB_ENDED_SHARE:
            end = start + dt.timedelta(days=rng.randrange(90, 900))
            end = end if end < today else None
        low, high = INCOME[place]
        job = Placement(
            household_id=hid,
            member_id=mid,
            village_id=village,
            kind=work,
            employer=employer,
            place=city,
            place_scope=place,
            start_on=start,
            end_on=end,
            monthly_income=Decimal(rng.randrange(low, high, 100)),
        )
        placements.append(job)
        if place in rules.AWAY:
            for year in range(max(start.year, 2019), (end or today).year + 1):
                paid = max(dt.date(year, 2, 20), start + dt.timedelta(days=10))
                if paid.year != year or paid > today or (end is not None and paid >= end):
                    continue
                if rng.random() < SUBSIDY_SHARE:
                    subsidy = TransportSubsidy(
                        household_id=hid,
                        member_id=mid,
                        village_id=village,
                        year=paid.year,
                        amount=SUBSIDY,
                        paid_on=paid,
                    )
                    subsidies.append(subsidy)
                    parents[id(subsidy)] = job
    _write(posts, holdings, payments, placements, subsidies, parents)
    if log:
        log(
            _(
                "Employment: %(posts)d public-welfare posts (%(rangers)d forest rangers), "
                "%(holdings)d holdings, %(pay)d months of pay, %(jobs)d jobs, "
                "%(subsidies)d transport subsidies."
            )
            % {
                "posts": len(posts),
                "rangers": n_rangers,
                "holdings": len(holdings),
                "pay": len(payments),
                "jobs": len(placements),
                "subsidies": len(subsidies),
            }
        )


def _write(
    posts: list[Post],
    holdings: list[Holding],
    payments: list[Payment],
    placements: list[Placement],
    subsidies: list[TransportSubsidy],
    parents: dict[int, Any],
) -> None:
    """Write the rows with their ids and foreign keys (`parents`: the post, holding or
    job of each holding, payment or subsidy, by id() of the row) and their records."""
    for objs, model in (
        (posts, Post),
        (holdings, Holding),
        (payments, Payment),
        (placements, Placement),
        (subsidies, TransportSubsidy),
    ):
        for obj, pk in zip(objs, reserve_ids(model, len(objs)), strict=True):
            obj.pk = pk
    for h in holdings:
        h.post_id = parents[id(h)].pk
    for x in payments:
        x.holding_id = parents[id(x)].pk
    for s in subsidies:
        s.placement_id = parents[id(s)].pk
    hh = type_label(Household)

    def under_household(x: Any) -> tuple[str, Any]:
        return (hh, x.household_id)

    def village(x: Any) -> str:
        return str(x.village_id)

    insert_created(
        [
            Created(Post, posts, village),
            Created(Holding, holdings, village, under_household),
            Created(
                Payment,
                payments,
                lambda x: str(parents[id(x)].village_id),
                lambda x: (type_label(Holding), x.holding_id),
            ),
            Created(Placement, placements, village, under_household),
            Created(TransportSubsidy, subsidies, village, under_household),
        ],
        _("Demo data: public-welfare posts and employment"),
    )


def wipe_demo() -> None:
    """Remove the ledgers and their history (the demo is rebuilt whole)."""
    labels = [type_label(m) for m in MODELS]
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(connection.alias)
        for model in MODELS:
            model.objects.all()._raw_delete(connection.alias)
