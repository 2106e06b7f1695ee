"""The demo's health ledger: every cover and reimbursement keeps the ledger's rules (their
column form), has its creation record, the out-of-pocket part is the total less the
layers, and the same seed gives the same ledger."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest
from django.db.models import Sum
from django.utils import timezone

from fupin.assistance.due import due_each
from fupin.core.models import ChangeRecord
from fupin.health import demo, rules
from fupin.health.models import Cover, CoverKind, Reimbursement
from fupin.programmes.rows import refusal_rows
from fupin.registry import demo as registry_demo
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db

SMALL = registry_demo.parse_scale(400)


@pytest.fixture
def built(db):
    registry_demo.build(seed=2017, scale=SMALL)
    messages: list[str] = []
    demo.build_demo(seed=2017, log=messages.append)
    return messages


def _households() -> pl.DataFrame:
    return pl.DataFrame(
        list(Household.objects.values_list("id", "village_id", "status", "status_year")),
        schema=["household_id", "village_code", "status", "status_year"],
        orient="row",
    )


def test_every_cover_keeps_the_rules(built):
    columns = [
        "id",
        "household_id",
        "member_id",
        "kind",
        "year",
        "insured_on",
        "premium",
        "subsidy",
    ]
    rows = pl.DataFrame(list(Cover.objects.values_list(*columns)), schema=columns, orient="row")
    assert rows.height > 100 and "参保" in built[-1]
    asked = rows.join(_households(), on="household_id").select(
        "household_id", "village_code", "status", "status_year", pl.col("insured_on").alias("on")
    )
    basics = rows.filter(pl.col("kind") == CoverKind.BASIC.value).select(
        "member_id", "year", has_basic=pl.lit(True)
    )
    rows = rows.with_columns(due_each(asked)).join(basics, on=["member_id", "year"], how="left")
    refused = refusal_rows(rows, rules.cover_refusal_columns(timezone.localdate()))
    assert all(not mask.any() for _f, mask, _w in refused)
    assert ChangeRecord.objects.filter(object_type="health.cover").count() == rows.height


def test_every_reimbursement_keeps_the_rules(built):
    columns = ["id", "member_id", "total_cost", *rules.LAYERS, "admitted_on", "settled_on"]
    rows = pl.DataFrame(
        list(Reimbursement.objects.values_list(*columns)), schema=columns, orient="row"
    ).with_columns(year=pl.col("settled_on").dt.year())
    assert rows.height > 10
    held = pl.DataFrame(
        list(Cover.objects.values_list("member_id", "year", "kind")),
        schema=["member_id", "year", "kind"],
        orient="row",
    )
    for kind in CoverKind.values:
        have = held.filter(pl.col("kind") == kind).select(
            "member_id", pl.col("year").cast(pl.Int32), pl.lit(True).alias(f"has_{kind}")
        )
        rows = rows.join(have, on=["member_id", "year"], how="left")
    refused = refusal_rows(rows, rules.reimbursement_refusal_columns(timezone.localdate()))
    assert all(not mask.any() for _f, mask, _w in refused)
    for row in Reimbursement.objects.all():
        layers = {n: getattr(row, n) for n in rules.LAYERS}
        assert row.out_of_pocket == rules.out_of_pocket(row.total_cost, layers) >= Decimal(0)
    assert Reimbursement.objects.aggregate(s=Sum("out_of_pocket"))["s"] > 0
    assert ChangeRecord.objects.filter(object_type="health.reimbursement").count() == rows.height


def test_the_same_seed_gives_the_same_ledger(built):
    def fingerprint():
        return (
            list(
                Cover.objects.order_by("member_id", "year", "kind").values_list(
                    "member_id", "kind", "insured_on", "subsidy"
                )
            ),
            list(
                Reimbursement.objects.order_by("number").values_list(
                    "number", "member_id", "total_cost", "out_of_pocket"
                )
            ),
        )

    first = fingerprint()
    demo.wipe_demo()
    assert not Cover.objects.exists()
    demo.build_demo(seed=2017, log=None)
    assert fingerprint() == first
