"""Demo benefit-linking ledger for the demo county, shaped by Chenzhou's "四跟四走":
1,353 enterprises and cooperatives linked to the households of its 405,000 registered
poor, about one for every 300 registered poor people, through direct, entrusted or
shareholding models with dividends. Scaled to the county: one enterprise, cooperative or
family farm for every 300 people of the households that may be due assistance (most
cooperatives and family farms in a village, enterprises in a township or the county);
six in ten households due assistance linked from 2016 to 2021, most directly, by
entrusted funds (5,000 yuan) or by shares (3,000 to 10,000 yuan), the rest through
employment or order purchase; a few links ended after three years, a few still waiting
for the county's confirmation and one in a hundred refused. Each confirmed direct,
entrusted or shareholding link pays a dividend for every year in the first quarter of
the next (an entrusted fund 8% of the amount). County agencies, schools and the
east–west partner city buy consumption-assistance produce from the enterprises and
some households.

Deterministic (seeded), every row with its creation record; bulk inserts; the link and
dividend rules are the services' own (`rules.link_refusals`, `rules.dividend_refusals`)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

import polars as pl
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.accounts.models import User
from fupin.core.bulk import bulk_insert
from fupin.core.frames import reserve_ids
from fupin.core.history import BulkRecorder, type_label
from fupin.core.models import ChangeRecord
from fupin.industry import rules
from fupin.industry.ledger import (
    DIVIDEND_RECORDS,
    ENTERPRISE_RECORDS,
    LINK_RECORDS,
    PURCHASE_RECORDS,
)
from fupin.industry.models import (
    BenefitLink,
    Dividend,
    Enterprise,
    EnterpriseKind,
    LinkMode,
    LinkStatus,
    Purchase,
    Sector,
)
from fupin.programmes.due import DueBook, may_be_due_households
from fupin.registry.models import Member

MODELS = (Purchase, Dividend, BenefitLink, Enterprise)
PEOPLE_PER_ENTERPRISE = 300
LINKED = 0.6  # of the households due assistance when the link starts
MODES = [
    (LinkMode.DIRECT, 0.35),
    (LinkMode.ENTRUSTED, 0.2),
    (LinkMode.SHAREHOLDING, 0.25),
    (LinkMode.EMPLOYMENT, 0.12),
    (LinkMode.ORDER, 0.08),
]
KINDS = [
    (EnterpriseKind.COOPERATIVE, 0.55),
    (EnterpriseKind.ENTERPRISE, 0.3),
    (EnterpriseKind.FAMILY_FARM, 0.15),
]
# sector: (name stems, products)
SECTORS = {
    Sector.PLANTING: (["油茶", "柑橘", "香芋", "茶叶", "中药材"], ["茶油", "脐橙", "香芋", "绿茶"]),
    Sector.BREEDING: (["生猪", "土鸡", "稻花鱼", "黄牛"], ["腊肉", "土鸡蛋", "稻花鱼"]),
    Sector.PROCESSING: (["农产品加工", "粮油"], ["米粉", "菜籽油"]),
    Sector.TOURISM: (["瑶族风情", "农家乐"], ["农家宴"]),
    Sector.ECOMMERCE: (["电商"], ["土特产礼盒"]),
    Sector.MANUFACTURING: (["扶贫车间", "电子"], ["手工艺品"]),
}
SECTOR_WEIGHTS = [0.35, 0.3, 0.12, 0.08, 0.07, 0.08]
BUYERS = [
    "县人民医院",
    "县第一中学食堂",
    "县直机关工会",
    "县农业农村局工会",
    "县人民法院工会",
    "广东省东西部协作帮扶单位",
]


def _pick(rng: random.Random, weighted):
    r, total = rng.random(), 0.0
    for value, p in weighted:
        total += p
        if r < total:
            return value
    return weighted[-1][0]


def credit_code(rng: random.Random, division: str) -> str:
    """A valid unified social credit code registered in the county (93: a farmers'
    cooperative, 91: an enterprise, 92: an individual business such as a family farm)."""
    head = rng.choice(["91", "92", "93"]) + division[:6]
    body = "".join(rng.choice(rules.ALPHABET) for _ in range(9))
    return head + body + rules.check_character(head + body)


def build_demo(*, seed: int, log: Callable[[str], None] | None = None) -> None:
    rng = random.Random(seed + 31)
    today = timezone.localdate()
    households = may_be_due_households()
    if not households:
        return
    sizes: dict[int, int] = {}
    for hid in Member.objects.filter(
        is_active=True, household_id__in=[h.pk for h in households]
    ).values_list("household_id", flat=True):
        sizes[hid] = sizes.get(hid, 0) + 1
    book = DueBook(households)
    users = {u.username: u for u in User.objects.filter(username__in=["township", "county"])}
    proposer, decider = users.get("township"), users.get("county")
    county = households[0].village_id[:6]
    villages = sorted({h.village_id for h in households})
    n = max(3, sum(sizes.values()) // PEOPLE_PER_ENTERPRISE)
    enterprises: list[Enterprise] = []
    codes: set[str] = set()
    for i in range(n):
        kind = _pick(rng, KINDS)
        sector = rng.choices(list(SECTORS), weights=SECTOR_WEIGHTS)[0]
        village = rng.choice(villages)
        if kind == EnterpriseKind.ENTERPRISE:
            division = village[:9].ljust(12, "0") if rng.random() < 0.6 else county.ljust(12, "0")
        else:
            division = village
        stem = rng.choice(SECTORS[sector][0])
        suffix = {
            EnterpriseKind.COOPERATIVE: "专业合作社",
            EnterpriseKind.ENTERPRISE: "有限公司",
            EnterpriseKind.FAMILY_FARM: "家庭农场",
        }[kind]
        code = credit_code(rng, division)
        while code in codes:
            code = credit_code(rng, division)
        codes.add(code)
        enterprises.append(
            Enterprise(
                name=f"江华{stem}{suffix}（{i + 1:03d}）",
                credit_code=code,
                kind=kind,
                sector=sector,
                division_id=division,
                representative=rng.choice(["盘", "赵", "李", "唐", "奉"])
                + rng.choice("明华国强勇"),
            )
        )
    for e, pk in zip(enterprises, reserve_ids(Enterprise, len(enterprises)), strict=True):
        e.pk = pk
    near: dict[str, list[Enterprise]] = {}
    for e in enterprises:
        near.setdefault(e.division_id[:9] if e.division_id[6:9] != "000" else county, []).append(e)

    links: list[BenefitLink] = []
    for h in households:
        if rng.random() >= LINKED:
            continue
        starts = dt.date(rng.randint(2016, 2021), rng.randint(1, 12), rng.randint(1, 28))
        if not book.due(h.pk, starts):
            continue
        # One of its township or the county's (any of the county's where there is none).
        choices = near.get(h.village_id[:9], []) + near.get(county, []) or enterprises
        enterprise = rng.choice(choices)
        mode = _pick(rng, MODES)
        amount = None
        if mode == LinkMode.ENTRUSTED:
            amount = Decimal("5000")
        elif mode == LinkMode.SHAREHOLDING:
            amount = Decimal(rng.choice([3000, 5000, 8000, 10000]))
        ends = _ended_on(rng, starts, today)
        if rules.link_refusals(
            household=h, due=True, mode=mode, starts_on=starts, ends_on=ends, amount=amount
        ):
            continue
        fate = rng.random()
        status = LinkStatus.CONFIRMED
        if fate < 0.01:
            status = LinkStatus.REFUSED
        elif fate < 0.04:
            status = LinkStatus.PROPOSED
        decided = status != LinkStatus.PROPOSED
        links.append(
            BenefitLink(
                household_id=h.pk,
                village_id=h.village_id,
                enterprise_id=enterprise.pk,
                mode=mode,
                starts_on=starts,
                ends_on=ends,
                amount=amount,
                status=status,
                proposed_by=proposer,
                decided_by=decider if decided else None,
                decided_on=min(starts + dt.timedelta(days=7), today) if decided else None,
            )
        )
    for link, pk in zip(links, reserve_ids(BenefitLink, len(links)), strict=True):
        link.pk = pk

    dividends: list[Dividend] = []
    for link in links:
        if link.status != LinkStatus.CONFIRMED or link.mode not in rules.DIVIDEND_MODES:
            continue
        last = link.ends_on.year if link.ends_on else today.year
        for year in range(link.starts_on.year, last + 1):
            # Settled at the end of the year, paid in the first quarter of the next.
            paid_on = dt.date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
            if paid_on < link.starts_on or paid_on > today:
                continue
            if link.mode == LinkMode.ENTRUSTED and link.amount:
                amount = (link.amount * Decimal("0.08")).quantize(Decimal("0.01"))
            elif link.mode == LinkMode.SHAREHOLDING and link.amount:
                share = Decimal(rng.randint(6, 12)) / 100
                amount = (link.amount * share).quantize(Decimal("0.01"))
            else:
                amount = Decimal(rng.randrange(300, 801, 50))
            if rules.dividend_refusals(
                link=link, year=year, paid_on=paid_on, amount=amount, today=today
            ):
                continue
            dividends.append(
                Dividend(
                    household_id=link.household_id,
                    village_id=link.village_id,
                    link_id=link.pk,
                    year=year,
                    amount=amount,
                    paid_on=paid_on,
                )
            )
    for d, pk in zip(dividends, reserve_ids(Dividend, len(dividends)), strict=True):
        d.pk = pk

    purchases: list[Purchase] = []
    seen: set[tuple] = set()
    for _i in range(max(20, len(enterprises) * 4)):
        day = dt.date(rng.randint(2019, today.year), rng.randint(1, 12), rng.randint(1, 28))
        if day > today:
            continue
        buyer = rng.choice(BUYERS)
        if rng.random() < 0.75:
            e = rng.choice(enterprises)
            product = rng.choice(SECTORS[Sector(e.sector)][1])
            supplier = {"supplier_enterprise_id": e.pk, "division_id": e.division_id}
            amount = Decimal(rng.randrange(2000, 50001, 100))
        else:
            h = rng.choice(households)
            product = rng.choice(["土鸡蛋", "腊肉", "香芋", "蜂蜜"])
            supplier = {"supplier_household_id": h.pk, "division_id": h.village_id}
            amount = Decimal(rng.randrange(200, 5001, 50))
        key = (buyer, product, tuple(supplier.values()), day, amount)
        if key in seen or rules.purchase_refusals(amount=amount, purchased_on=day, today=today):
            continue
        seen.add(key)
        purchases.append(
            Purchase(buyer=buyer, product=product, amount=amount, purchased_on=day, **supplier)
        )
    for p, pk in zip(purchases, reserve_ids(Purchase, len(purchases)), strict=True):
        p.pk = pk

    # Each row's creation record, built in the database from the stored row (as the
    # workbook import writes them).
    history = BulkRecorder(
        actor=None, now=timezone.now(), reason=_("Demo data: industry benefit-linking")
    )
    with transaction.atomic():
        for written, model, records in (
            (enterprises, Enterprise, ENTERPRISE_RECORDS),
            (links, BenefitLink, LINK_RECORDS),
            (dividends, Dividend, DIVIDEND_RECORDS),
            (purchases, Purchase, PURCHASE_RECORDS),
        ):
            bulk_insert(written, model)
            history.created(records, pl.Series("id", [r.pk for r in written], dtype=pl.Int64))
    if log:
        log(
            _(
                "industry: %(enterprises)d enterprises and cooperatives, %(links)d links, "
                "%(dividends)d dividends, %(purchases)d purchases"
            )
            % {
                "enterprises": len(enterprises),
                "links": len(links),
                "dividends": len(dividends),
                "purchases": len(purchases),
            }
        )


def _ended_on(rng: random.Random, starts: dt.date, today: dt.date) -> dt.date | None:
    """One link in five ended after three years (if that day has come)."""
    if rng.random() >= 0.2:
        return None
    end = starts.replace(year=starts.year + 3) - dt.timedelta(days=1)
    return end if end <= today else None


def wipe_demo() -> None:
    """Remove the ledger and its history (the demo is rebuilt whole)."""
    labels = [type_label(m) for m in MODELS]
    with transaction.atomic():
        ChangeRecord.objects.filter(object_type__in=labels)._raw_delete(connection.alias)
        for model in MODELS:
            model.objects.all()._raw_delete(connection.alias)
