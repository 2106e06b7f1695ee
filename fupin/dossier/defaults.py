"""The national default checklist (全国默认), drawn from DOMAIN.md §2–§5: for each
household status the documents of its paper file and the records that stand for
each. Each document is satisfied by the case step that produces it (done with
evidence) or by a scan filed in the household's dossier whose title names it (files
that predate the system). Seeded once by migration 0002; a region changes it by a
version of its own (`services.checklist_create`), never by editing this."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin.dossier.choices import Document as D

EFFECTIVE_FROM = dt.date(2014, 1, 1)


def _step(kind: str, step: str) -> dict[str, str]:
    return {"kind": "case_step", "param": f"{kind}:{step}", "title": ""}


def _scan(title: str) -> dict[str, str]:
    return {"kind": "attachment", "param": "signed_scan", "title": title}


PHOTO_NOTICE = {"kind": "attachment", "param": "photo", "title": "公示"}
INCOME = {"kind": "income", "param": "", "title": ""}
GUARANTEES = {"kind": "assessment", "param": "", "title": ""}
SIGNATURE = {"kind": "signature", "param": "", "title": ""}

COMMON = [
    (D.INCOME_CARD, [INCOME]),
    (D.GUARANTEES, [GUARANTEES]),
    (D.SURVEYOR_SIGNATURE, [SIGNATURE]),
]

ITEMS: dict[str, list[tuple[str, list[dict[str, str]]]]] = {
    "poor": [
        (D.APPLICATION, [_scan("申请")]),
        (D.SURVEY, [_step("inclusion", "survey"), _scan("调查")]),
        (D.APPRAISAL, [_step("inclusion", "village_review"), _scan("评议")]),
        (D.NOTICE_PHOTO, [PHOTO_NOTICE]),
        *COMMON,
    ],
    "returned": [
        (D.APPLICATION, [_step("return", "application"), _scan("申请")]),
        (D.SURVEY, [_step("return", "verification"), _scan("调查")]),
        (D.APPRAISAL, [_step("return", "deliberation"), _scan("评议")]),
        (D.NOTICE_PHOTO, [PHOTO_NOTICE]),
        *COMMON,
    ],
    "exited": [
        (D.APPRAISAL, [_step("exit", "deliberation"), _scan("评议")]),
        (D.SURVEY, [_step("exit", "verification"), _scan("调查"), _scan("核实")]),
        (D.EXIT_CONFIRMATION, [_step("exit", "confirmation"), _scan("确认")]),
        (D.NOTICE_PHOTO, [PHOTO_NOTICE]),
        *COMMON,
    ],
    "monitored": [
        (D.APPLICATION, [_step("monitoring", "application"), _scan("申请")]),
        (D.SURVEY, [_step("monitoring", "verification"), _scan("调查"), _scan("核实")]),
        (D.APPRAISAL, [_step("monitoring", "village_review"), _scan("评议")]),
        *COMMON,
    ],
    "removed": [
        (D.CHECK, [_step("removal", "check"), _scan("核查")]),
        (D.SURVEY, [_step("removal", "verification"), _scan("核实")]),
        (D.APPRAISAL, [_step("removal", "deliberation"), _scan("评议")]),
        (D.NOTICE_PHOTO, [PHOTO_NOTICE]),
    ],
}


def items() -> list[dict[str, Any]]:
    """The default's items as `services.checklist_create` takes them."""
    return [
        {"status": status, "document": str(doc), "sources": sources, "order": n}
        for status, rows in ITEMS.items()
        for n, (doc, sources) in enumerate(rows)
    ]
