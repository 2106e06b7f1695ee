"""The demo's education aid: every benefit and case keeps the ledger's rules (their column
form, the day of payment's due check), has its creation record, the children out of
school now are exactly rule Q06's findings, and the same seed gives the same ledger."""

from __future__ import annotations

import polars as pl
import pytest
from django.utils import timezone

from fupin.assistance.due import due_each
from fupin.core.models import ChangeRecord
from fupin.education import demo, rules
from fupin.education.models import DropoutCase, StudentAid
from fupin.programmes.rows import refusal_rows
from fupin.registry import demo as registry_demo
from fupin.registry.models import Household, Member

pytestmark = pytest.mark.django_db

SMALL = registry_demo.parse_scale(400)


def fingerprint() -> tuple:
    aid = StudentAid.objects.order_by("member_id", "kind", "school_year", "term")
    cases = DropoutCase.objects.order_by("member_id", "opened_on")
    return (
        list(
            aid.values_list(
                "member_id", "kind", "stage", "school", "school_year", "term", "amount", "paid_on"
            )
        ),
        list(cases.values_list("member_id", "opened_on", "status", "closed_on", "cause")),
    )


@pytest.fixture
def built(db):
    registry_demo.build(seed=2017, scale=SMALL)
    messages: list[str] = []
    demo.build_demo(seed=2017, log=messages.append)
    return messages


def test_every_benefit_keeps_the_rules_and_has_its_record(built):
    rows = pl.DataFrame(
        list(
            StudentAid.objects.values_list(
                "id", "household_id", "kind", "stage", "school_year", "paid_on", "amount"
            )
        ),
        schema=["id", "household_id", "kind", "stage", "school_year", "paid_on", "amount"],
        orient="row",
    )
    assert rows.height > 100 and "资助" in built[-1]
    households = pl.DataFrame(
        list(Household.objects.values_list("id", "village_id", "status", "status_year")),
        schema=["household_id", "village_code", "status", "status_year"],
        orient="row",
    )
    asked = rows.join(households, on="household_id").select(
        "household_id", "village_code", "status", "status_year", pl.col("paid_on").alias("on")
    )
    rows = rows.with_columns(due_each(asked))
    refused = refusal_rows(rows, rules.aid_refusal_columns(timezone.localdate()))
    assert all(not mask.any() for _f, mask, _w in refused)
    records = set(
        ChangeRecord.objects.filter(object_type="education.studentaid").values_list(
            "object_id", flat=True
        )
    )
    assert records == {str(i) for i in rows["id"].to_list()}


def test_the_children_out_of_school_are_q06s_findings(built):
    from fupin.quality.selectors import check_area

    cases = list(DropoutCase.objects.select_related("member"))
    assert cases
    for case in cases:
        assert rules.school_age(rules.age_on(case.member.birth_date, case.opened_on)), case.pk
        assert case.closed_on is None or case.closed_on >= case.opened_on
    out = {c.member_id for c in cases if c.status == "open"}
    assert out and set(
        Member.objects.filter(pk__in=out).values_list("school_status", flat=True)
    ) == {""}
    report = check_area("")
    q06 = report.violations.filter(pl.col("rule") == "Q06")["member_id"].to_list()
    assert set(q06) == out
    changed = ChangeRecord.objects.filter(
        object_type="registry.member", object_id__in=[str(m) for m in out], action="update"
    )
    assert {r.changes["school_status"][1] for r in changed} == {""}
    assert changed.count() == len(out)


def test_the_same_seed_gives_the_same_ledger(built):
    """On the same registry: the children the first build took out of school are put back
    first (the wipe removes the ledger, not the registry's changes)."""
    first = fingerprint()
    out = DropoutCase.objects.filter(status="open").values_list("member_id", "stage")
    for member_id, stage in list(out):
        Member.objects.filter(pk=member_id).update(school_status=stage, education="")
    demo.wipe_demo()
    assert not StudentAid.objects.exists()
    assert not ChangeRecord.objects.filter(object_type="education.studentaid").exists()
    demo.build_demo(seed=2017, log=None)
    assert fingerprint() == first
