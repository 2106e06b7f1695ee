"""Completeness of a household's file: which required documents are present, once in
two forms kept side by side (proven to agree by tests/test_rules_property.py):

- the row form, `household_items`: one household, its checklist items and its evidence
  (the records that may stand for a document), for its file page and PDF;
- the column form, `completeness_frame`: whole columns of households, items and
  evidence (Polars), for a village's or township's list without a query per household.

An item is present when any of its sources matches an evidence row of the household:
the same kind, the same `param` when the source names one (an attachment's kind, a
case step as "case kind:step", an income or assessment year), and a title that
contains the source's `title` (an attachment's title, e.g. "申请"). The newest
matching row is the one shown (who, when).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl


@dataclass(frozen=True)
class Source:
    kind: str
    param: str = ""
    title: str = ""

    @classmethod
    def of(cls, data: dict[str, Any]) -> Source:
        return cls(str(data["kind"]), str(data.get("param") or ""), str(data.get("title") or ""))

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "param": self.param, "title": self.title}


@dataclass(frozen=True)
class Evidence:
    """One record of a household that may stand for a document."""

    household_id: int
    kind: str
    param: str
    title: str
    who: str
    when: dt.datetime
    ref: int = 0  # the record's id (an attachment, a case step …)


@dataclass(frozen=True)
class Item:
    """A checklist item as the rule sees it."""

    id: int
    checklist_id: int
    status: str
    name: str
    sources: tuple[Source, ...]
    document: str = ""


@dataclass(frozen=True)
class ItemResult:
    item: Item
    found: Evidence | None

    @property
    def present(self) -> bool:
        return self.found is not None


def matches(source: Source, ev: Evidence) -> bool:
    return (
        ev.kind == source.kind
        and (not source.param or ev.param == source.param)
        and source.title in ev.title
    )


def household_items(
    status: str, items: Iterable[Item], evidence: Sequence[Evidence]
) -> list[ItemResult]:
    """The row form: each item required of a household of `status`, with the newest
    evidence that satisfies it (None: missing)."""
    out = []
    for item in items:
        if item.status != status:
            continue
        found = [ev for ev in evidence if any(matches(s, ev) for s in item.sources)]
        newest = max(found, key=lambda ev: (ev.when, ev.ref), default=None)
        out.append(ItemResult(item, newest))
    return out


def is_complete(results: Sequence[ItemResult]) -> bool:
    return all(r.present for r in results)


HOUSEHOLDS_SCHEMA = {"household_id": pl.Int64, "checklist_id": pl.Int64, "status": pl.String}
ITEMS_SCHEMA = {
    "item_id": pl.Int64,
    "checklist_id": pl.Int64,
    "status": pl.String,
    "kind": pl.String,
    "param": pl.String,
    "title": pl.String,
}
EVIDENCE_SCHEMA = {
    "household_id": pl.Int64,
    "kind": pl.String,
    "param": pl.String,
    "ev_title": pl.String,
}


def items_frame(items: Iterable[Item]) -> pl.DataFrame:
    """One row per item and source (ITEMS_SCHEMA)."""
    rows = [
        (i.id, i.checklist_id, i.status, s.kind, s.param, s.title) for i in items for s in i.sources
    ]
    return pl.DataFrame(rows, schema=ITEMS_SCHEMA, orient="row")


def evidence_frame(evidence: Iterable[Evidence]) -> pl.DataFrame:
    rows = [(e.household_id, e.kind, e.param, e.title) for e in evidence]
    return pl.DataFrame(rows, schema=EVIDENCE_SCHEMA, orient="row")


def completeness_frame(
    households: pl.DataFrame, items: pl.DataFrame, evidence: pl.DataFrame
) -> pl.DataFrame:
    """The column form: one row per household and item required of it (household_id,
    item_id, present). `households` has HOUSEHOLDS_SCHEMA (the checklist in force for
    each), `items` ITEMS_SCHEMA, `evidence` EVIDENCE_SCHEMA."""
    wanted = households.join(items, on=["checklist_id", "status"], how="inner")
    required = wanted.select("household_id", "item_id").unique()
    hits = (
        wanted.join(evidence, on=["household_id", "kind"], how="inner")
        .filter(
            ((pl.col("param") == "") | (pl.col("param") == pl.col("param_right")))
            & pl.col("ev_title").str.contains(pl.col("title"), literal=True)
        )
        .select("household_id", "item_id")
        .unique()
        .with_columns(pl.lit(True).alias("present"))
    )
    return (
        required.join(hits, on=["household_id", "item_id"], how="left")
        .with_columns(pl.col("present").fill_null(False))
        .sort("household_id", "item_id")
    )


def household_summary(frame: pl.DataFrame) -> pl.DataFrame:
    """Per household of a completeness frame: items required, present, complete."""
    return (
        frame.group_by("household_id")
        .agg(
            pl.len().alias("required"),
            pl.col("present").sum().alias("present"),
        )
        .with_columns((pl.col("present") == pl.col("required")).alias("complete"))
        .sort("household_id")
    )
