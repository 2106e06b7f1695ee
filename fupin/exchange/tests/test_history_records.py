"""The import's change records are built by the database from the stored rows
(`core.history.BulkRecorder`): they must say what `build_change` says for the same objects,
field by field (state after the change, changes, who, when, why, area, labels), so that
the history and as-of pages read them like any other."""

from __future__ import annotations

import uuid

from conftest import VILLAGE, make_id
from fupin.core import context
from fupin.core.history import build_change, snapshot, state_as_of, type_label
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.exchange.importer import import_registry
from fupin.exchange.models import ExchangeRun
from fupin.exchange.tests.conftest import good_household, good_income, good_member, second_member
from fupin.registry.models import Household, IncomeRecord, Member

NUMBER = VILLAGE + "0901"
OTHER = VILLAGE + "0902"


def _book(book, address="大坪村三组5号", wages="3000", farmland="2.5"):
    third = make_id(birth="19800101", seq="333")
    return book(
        households=[
            good_household(address=address, farmland_mu=farmland, other_causes="缺技术、缺资金"),
            good_household(
                OTHER,
                household_size="1",
                housing_safe="否",
                danger_grade="C级危房",
                water_safe="否",
            ),
        ],
        members=[
            good_member(),
            second_member(),
            good_member(
                OTHER, id_number=third, name="王小川", migrant_place="省外务工", migrant_months="6"
            ),
        ],
        incomes=[
            good_income(wages=wages),
            good_income(OTHER, household_size="1", production="20.75", wages="0.1"),
        ],
    )


def _import(users, path):
    result = import_registry(actor=users["village"], path=path)
    assert result.run.status == ExchangeRun.Status.DONE, result.errors.rows()
    assert result.errors.is_empty(), result.errors.rows()
    return result


def _expected(obj, action, before, actor, reason, when):
    household = obj if isinstance(obj, Household) else obj.household
    related = None if isinstance(obj, Household) else household
    return build_change(
        actor=actor,
        instance=obj,
        action=action,
        before=before,
        area_code=household.village_id,
        reason=reason,
        related=related,
        time=when,
    )


def _same(rec: ChangeRecord, want: ChangeRecord) -> None:
    # Same keys, same values, same JSON forms (jsonb keeps no key order on PostgreSQL,
    # for any record).
    assert rec.post_data == want.post_data
    assert rec.effective_changes == want.changes
    if rec.action == ChangeAction.UPDATE:
        assert rec.changes == want.changes
    for name in (
        "user_id",
        "user_name",
        "request_id",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "related_type",
        "related_id",
        "area_code",
        "reason",
    ):
        assert getattr(rec, name) == getattr(want, name), name


def _objects():
    return [
        *Household.objects.order_by("pk"),
        *Member.objects.select_related("household").order_by("pk"),
        *IncomeRecord.objects.select_related("household").order_by("pk"),
    ]


def test_set_based_records_are_what_build_change_gives(users, book):
    rid = uuid.uuid4()
    token = context.request_id.set(rid)
    try:
        _check(users, book, rid)
    finally:
        context.request_id.reset(token)


def _check(users, book, rid):
    result = _import(users, _book(book))
    actor = users["village"]
    objects = _objects()
    assert len(objects) == 2 + 3 + 2
    reason = ChangeRecord.objects.filter(object_type="registry.household").first().reason
    assert str(result.run.pk) in reason
    for obj in objects:
        rec = ChangeRecord.objects.get(object_type=type_label(obj), object_id=str(obj.pk))
        assert rec.action == ChangeAction.CREATE
        assert rec.request_id == rid
        _same(rec, _expected(obj, ChangeAction.CREATE, None, actor, reason, rec.time))
        assert state_as_of(rec.object_type, rec.object_id, rec.time) == snapshot(obj)

    # An update of some fields of each kind: the changed objects get update records.
    before = {(type_label(o), o.pk): snapshot(o) for o in objects}
    _import(users, _book(book, address="新地址 1号", wages="3100.25", farmland="3"))
    updates = ChangeRecord.objects.filter(action=ChangeAction.UPDATE)
    assert {(r.object_type, r.object_repr) for r in updates} == {
        ("registry.household", NUMBER),
        ("registry.incomerecord", f"{Household.objects.get(number=NUMBER).pk}/2016"),
    }
    for rec in updates:
        model = Household if rec.object_type == "registry.household" else IncomeRecord
        obj = model.objects.get(pk=rec.object_id)
        want = _expected(
            obj, ChangeAction.UPDATE, before[(rec.object_type, obj.pk)], actor, rec.reason, rec.time
        )
        assert rec.changes  # something changed, and it says what
        _same(rec, want)
