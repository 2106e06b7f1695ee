"""`core.history.recording` and `created`: the one helper services record a change with."""

from __future__ import annotations

import pytest

from conftest import VILLAGE
from fupin.core.history import created, recording
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.registry.models import Household, MemberChange


def _change(household, **kw):
    return MemberChange(
        household=household,
        member=household.members.first(),
        kind="birth",
        date=household.created_at.date(),
        reason="r",
        **kw,
    )


def _records(obj):
    return ChangeRecord.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).order_by("id")


def test_update_records_the_change_with_who_why_and_the_state_after(household, users):
    before = _records(household).count()
    with recording(users["county"], household, reason="地址更正") as rec:
        household.address = "大坪村二组1号"
        household.save()
    assert _records(household).count() == before + 1
    r = _records(household).last()
    assert r == rec.record
    assert r.action == ChangeAction.UPDATE
    assert r.user == users["county"] and r.reason == "地址更正"
    assert r.changes == {"address": ["大坪村一组12号", "大坪村二组1号"]}
    assert r.post_data["address"] == "大坪村二组1号"
    assert r.area_code == VILLAGE  # the household's own area_code


def test_an_update_that_changes_nothing_records_nothing(household, users):
    before = _records(household).count()
    with recording(users["county"], household) as rec:
        household.save()
    assert rec.record is None
    assert _records(household).count() == before


def test_a_block_that_raises_records_nothing(household, users):
    before = ChangeRecord.objects.count()
    with pytest.raises(RuntimeError), recording(users["county"], household):
        household.address = "x"
        raise RuntimeError
    assert ChangeRecord.objects.count() == before


def test_create_is_inferred_for_an_unsaved_object_and_the_area_may_be_given(household, users):
    change = _change(household)
    with recording(users["village"], change, area_code="431129", related=household):
        change.save()
    r = _records(change).get()
    assert r.action == ChangeAction.CREATE
    assert r.area_code == "431129"
    assert (r.related_type, r.related_id) == ("registry.household", str(household.pk))
    assert r.changes["reason"] == [None, "r"]


def test_created_records_an_object_just_made(household, users):
    change = _change(household)
    change.save()
    r = created(users["village"], change, area_code=VILLAGE, reason="why")
    assert r is not None and r.action == ChangeAction.CREATE and r.reason == "why"
    assert _records(change).get() == r


def test_a_deleted_object_is_recorded_as_deleted_under_its_old_key(household, users):
    change = _change(household)
    change.save()
    pk = change.pk
    with recording(users["village"], change, area_code=VILLAGE):
        change.delete()
    r = ChangeRecord.objects.get(object_type="registry.memberchange", object_id=str(pk))
    assert r.action == ChangeAction.DELETE and r.post_data is None
    assert r.changes["reason"] == ["r", None]
    assert change.pk is None  # left as Django leaves a deleted object


def test_an_object_without_an_area_must_be_given_one(household, users):
    change = _change(household)
    change.save()
    with pytest.raises(TypeError, match="area_code"):
        created(users["village"], change)


def test_a_recording_without_an_object_is_refused(users):
    with pytest.raises(TypeError), recording(users["village"]):
        Household.objects.none()


def test_a_deleted_account_leaves_its_records_with_its_name_and_no_user(household, users):
    """The records' user has no database constraint (a per-row check at commit cost a
    large import 16 s on PostgreSQL): deleting the account must still clear it."""
    with recording(users["county"], household, reason="地址更正") as rec:
        household.address = "大坪村三组2号"
        household.save()
    record = rec.record
    assert record is not None
    users["county"].delete()
    record.refresh_from_db()
    assert record.user_id is None
    assert record.user_name == "county"
