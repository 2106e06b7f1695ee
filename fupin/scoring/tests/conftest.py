import datetime as dt
from decimal import Decimal

import pytest

from fupin.scoring import services

COUNTY = "431129000000"

ITEMS = [
    {"code": "A1", "text": "两不愁三保障全面达标", "max_points": "40", "evidence_required": True},
    {"code": "A2", "text": "结对帮扶走访到位", "max_points": "20"},
    {"code": "A3", "text": "一户一档资料规范", "max_points": "20"},
    {"code": "A4", "text": "群众满意度", "max_points": "20"},
]


def points_for(total: str) -> dict[str, str]:
    """Item points that add up to `total` (A1 takes what the others do not)."""
    rest = Decimal(total) - Decimal("40")
    if rest >= 0:
        per = rest / 3
        a2 = per.quantize(Decimal("0.1"))
        a3 = a2
        a4 = rest - a2 - a3
        return {"A1": "40", "A2": str(a2), "A3": str(a3), "A4": str(a4)}
    return {"A1": str(Decimal(total)), "A2": "0", "A3": "0", "A4": "0"}


EVIDENCE = {"A1": "入户核查表12份"}


@pytest.fixture
def sheet(users):
    return services.sheet_create(
        actor=users["county"],
        region_code=COUNTY,
        data={"name": "村级考评细则", "year": 2024},
        items=ITEMS,
    )


@pytest.fixture
def make_round(users, sheet):
    n = [0]

    def make(sheet_=None, area=COUNTY):
        n[0] += 1
        return services.round_create(
            actor=users["county"],
            sheet=sheet_ or sheet,
            area_code=area,
            name=f"2024年第{n[0]}轮",
            period_start=dt.date(2024, n[0], 1),
            period_end=dt.date(2024, n[0], 28),
        )

    return make


@pytest.fixture
def score(users):
    def record(rnd, village, total, actor="county", **kw):
        return services.score_record(
            actor=users[actor],
            round=rnd,
            village_code=village,
            points=points_for(total),
            evidence=EVIDENCE,
            scored_on=rnd.period_end,
            **kw,
        )

    return record
