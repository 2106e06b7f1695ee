"""Workbooks for import tests, written the way a village clerk's file looks: Chinese
headers, labels (not codes) in coded columns, 是/否 for yes/no."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.utils import translation

from conftest import VILLAGE, make_id
from fupin.exchange import layout as L
from fupin.registry import choices as c


def good_household(number: str = VILLAGE + "0901", **over) -> dict[str, str]:
    row = {
        "household_number": number,
        "village_code": VILLAGE,
        "group_name": "三组",
        "address": "大坪村三组5号",
        "household_size": "2",
        "category": "一般贫困户",
        "standard": "国家标准",
        "main_cause": "因病",
        "other_causes": "缺技术",
        "status": "待识别",
        "housing_safe": "是",
        "water_safe": "是",
        "farmland_mu": "2.5",
        "phone": "13907461111",
    }
    row.update(over)
    return row


def good_member(number: str = VILLAGE + "0901", **over) -> dict[str, str]:
    row = {
        "household_number": number,
        "id_number": make_id(birth="19700305", seq="211"),
        "name": "赵大山",
        "ethnicity": "瑶族",
        "relation": "户主",
        "education": "初中",
        "health": "健康",
        "labour": "普通劳动力",
    }
    row.update(over)
    return row


def second_member(number: str = VILLAGE + "0901", **over) -> dict[str, str]:
    row = good_member(
        number,
        id_number=make_id(birth="19720811", seq="222"),
        name="李桂花",
        relation="配偶",
    )
    row.update(over)
    return row


def head_row(household, **over) -> dict[str, str]:
    """The head's row as the registry holds it (codes are read like labels)."""
    head = household.members.get(relation=c.Relation.HEAD)
    held = {
        name: getattr(head, name)
        for name in ("id_number", "name", "relation", "ethnicity", "education", "health", "labour")
    }
    return good_member(household.number, **(held | over))


def good_income(number: str = VILLAGE + "0901", **over) -> dict[str, str]:
    row = {
        "household_number": number,
        "year": "2016",
        "household_size": "2",
        "wages": "3000",
        "production": "1200.5",
        "production_expenses": "300",
    }
    row.update(over)
    return row


def write_book(
    path: Path,
    households: list[dict] | None = None,
    members: list[dict] | None = None,
    incomes: list[dict] | None = None,
) -> Path:
    """Write x.households.csv … beside `path` (x.csv) with Chinese headers."""
    stem = path.with_suffix("")
    with translation.override("zh-hans"):
        for sheet, rows in (
            (L.HOUSEHOLDS, households),
            (L.MEMBERS, members),
            (L.INCOMES, incomes),
        ):
            if rows is None:
                continue
            out = Path(f"{stem}.{sheet.key}.csv")
            with out.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow([str(c.header) for c in sheet.columns])
                for row in rows:
                    writer.writerow([row.get(c.code, "") for c in sheet.columns])
    return path


@pytest.fixture
def book(tmp_path):
    def _book(**sheets) -> Path:
        return write_book(tmp_path / "book.csv", **sheets)

    return _book
