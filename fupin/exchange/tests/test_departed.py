"""Re-imports never bring back people who left: a row that lists someone who left the
household (moved out, married out, split off, died), or who died anywhere in the registry,
is rejected with the date and the reason, and says that bringing them back needs a
member-change case; someone who moved to another household is reported as such. Each in
upsert, dry run and all-or-nothing, with the database unchanged where refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from conftest import HOUSEHOLD_DATA, NEIGHBOUR, VILLAGE, make_id, member_data, registered_household
from fupin.core.models import ChangeRecord
from fupin.exchange import layout as L
from fupin.exchange.importer import import_registry
from fupin.exchange.models import ExchangeRun
from fupin.exchange.tests.conftest import good_member, head_row
from fupin.registry import choices as c
from fupin.registry import services
from fupin.registry.models import Household, Member, MemberChange

UPSERT = ExchangeRun.Mode.UPSERT
ALL = ExchangeRun.Mode.ALL_OR_NOTHING
MODES = [
    pytest.param(UPSERT, False, id="upsert"),
    pytest.param(UPSERT, True, id="dry-run"),
    pytest.param(ALL, False, id="all-or-nothing"),
]
CASE = "Bringing them back needs a member-change case (成员变更)."
SON = make_id(birth="19950704", seq="131")
LEFT_ON = dt.date(2021, 3, 4)


def run(users, path, who="village", **kw):
    with translation.override("en"):
        return import_registry(actor=users[who], path=path, **kw)


def id_reasons(result) -> dict[int, str]:
    with translation.override("en"):
        column = str(L.MEMBERS.column("id_number").header)
    return {row: reason for _s, row, col, _v, reason in result.errors.iter_rows() if col == column}


def state() -> tuple:
    return (
        list(Member.objects.order_by("pk").values_list("pk", "household_id", "is_active")),
        ChangeRecord.objects.count(),
        MemberChange.objects.count(),
        Household.objects.count(),
    )


def add_son(users, household, who="village") -> Member:
    return services.member_add(
        actor=users[who],
        household=household,
        data=member_data(id_number=SON, name="盘小龙", relation=c.Relation.SON),
        kind=c.MemberChangeKind.BIRTH,
        date=dt.date(1995, 7, 4),
        reason="出生",
    )


def son_row(household) -> dict[str, str]:
    return good_member(household.number, id_number=SON, name="盘小龙", relation="之子")


def other_household(users, who="village", village=VILLAGE) -> Household:
    return registered_household(
        actor=users[who],
        village_code=village,
        data=dict(HOUSEHOLD_DATA, address="另一户"),
        reason="registration",
    )


def check_refused(result, before, mode, dry_run, *, created=0):
    """No row re-creates the person; the database is as before."""
    counts = result.counts["members"]
    assert counts.rejected == 1 and counts.created == created
    assert state() == before
    if mode == ALL:
        assert result.run.status == ExchangeRun.Status.REFUSED and not result.written
    elif dry_run:
        assert result.run.status == ExchangeRun.Status.CHECKED and not result.written
    else:
        assert result.run.status == ExchangeRun.Status.DONE


# ------------------------------------------------------------------ left the household


@pytest.mark.parametrize(("mode", "dry_run"), MODES)
def test_a_person_who_moved_out_is_not_brought_back(users, book, household, mode, dry_run):
    son = add_son(users, household)
    services.member_leave(
        actor=users["village"],
        member=son,
        kind=c.MemberChangeKind.MOVED_OUT,
        date=LEFT_ON,
        reason="外出务工落户广东",
    )
    before = state()
    path = book(members=[head_row(household), son_row(household)])
    result = run(users, path, mode=mode, dry_run=dry_run)
    reason = id_reasons(result)[3]
    assert "2021-03-04" in reason and "Moved out" in reason and "外出务工落户广东" in reason
    assert CASE in reason
    assert 2 not in id_reasons(result)  # the head's row goes on (unchanged)
    check_refused(result, before, mode, dry_run)
    assert not Member.objects.filter(id_number=SON, is_active=True).exists()


@pytest.mark.parametrize(
    "kind", [c.MemberChangeKind.MARRIAGE_OUT, c.MemberChangeKind.SPLIT, c.MemberChangeKind.DEATH]
)
def test_every_way_of_leaving_is_named(users, book, household, kind):
    son = add_son(users, household)
    services.member_leave(
        actor=users["village"], member=son, kind=kind, date=LEFT_ON, reason="登记"
    )
    before = state()
    result = run(users, book(members=[head_row(household), son_row(household)]))
    reason = id_reasons(result)[3]
    with translation.override("en"):
        label = str(c.MemberChangeKind(kind).label)
    assert "2021-03-04" in reason and "登记" in reason
    if kind == c.MemberChangeKind.DEATH:
        assert "died" in reason and household.number in reason
    else:
        assert label in reason
    assert "member-change case" in reason
    check_refused(result, before, UPSERT, False)


def test_in_chinese_the_reason_says_when_and_why(users, book, household):
    son = add_son(users, household)
    services.member_leave(
        actor=users["village"],
        member=son,
        kind=c.MemberChangeKind.MOVED_OUT,
        date=LEFT_ON,
        reason="外出务工落户广东",
    )
    with translation.override("zh-hans"):
        result = import_registry(
            actor=users["village"], path=book(members=[head_row(household), son_row(household)])
        )
        column = str(L.MEMBERS.column("id_number").header)
    reason = next(r for _s, row, col, _v, r in result.errors.iter_rows() if col == column)
    assert "2021-03-04" in reason and "迁出" in reason and "成员变更" in reason


def test_someone_who_left_and_came_back_through_a_case_is_updated(users, book, household):
    son = add_son(users, household)
    services.member_leave(
        actor=users["village"],
        member=son,
        kind=c.MemberChangeKind.MOVED_OUT,
        date=LEFT_ON,
        reason="外出务工",
    )
    back = services.member_add(
        actor=users["village"],
        household=household,
        data=member_data(id_number=SON, name="盘小龙", relation=c.Relation.SON),
        kind=c.MemberChangeKind.MOVED_IN,
        date=dt.date(2022, 1, 5),
        reason="返乡",
    )
    result = run(
        users,
        book(members=[head_row(household), son_row(household) | {"phone": "13900000001"}]),
    )
    assert not id_reasons(result), result.errors
    assert result.counts["members"].updated >= 1 and result.counts["members"].created == 0
    back.refresh_from_db()
    assert back.is_active and back.phone == "13900000001"


# ------------------------------------------------------------------ died elsewhere


@pytest.mark.parametrize(("mode", "dry_run"), MODES)
def test_a_person_who_died_in_another_household_in_the_area_is_not_registered_again(
    users, book, household, mode, dry_run
):
    elsewhere = other_household(users)
    son = add_son(users, elsewhere)
    services.member_leave(
        actor=users["village"],
        member=son,
        kind=c.MemberChangeKind.DEATH,
        date=LEFT_ON,
        reason="病故",
    )
    before = state()
    result = run(
        users, book(members=[head_row(household), son_row(household)]), mode=mode, dry_run=dry_run
    )
    reason = id_reasons(result)[3]
    assert "died on 2021-03-04" in reason and elsewhere.number in reason and "病故" in reason
    assert "member-change case (成员变更)" in reason
    check_refused(result, before, mode, dry_run)


@pytest.mark.parametrize(("mode", "dry_run"), MODES)
def test_a_death_outside_the_area_is_reported_without_its_details(
    users, book, household, mode, dry_run
):
    outside = other_household(users, who="neighbour", village=NEIGHBOUR)
    son = add_son(users, outside, who="neighbour")
    services.member_leave(
        actor=users["neighbour"],
        member=son,
        kind=c.MemberChangeKind.DEATH,
        date=LEFT_ON,
        reason="病故于清塘村",
    )
    before = state()
    result = run(
        users, book(members=[head_row(household), son_row(household)]), mode=mode, dry_run=dry_run
    )
    reason = id_reasons(result)[3]
    assert "deceased in a household outside your area" in reason
    assert outside.number not in reason and "清塘村" not in reason and "2021" not in reason
    check_refused(result, before, mode, dry_run)


def test_a_death_is_refused_for_a_new_household_of_the_file_too(users, book, household):
    son = add_son(users, household)
    services.member_leave(
        actor=users["village"],
        member=son,
        kind=c.MemberChangeKind.DEATH,
        date=LEFT_ON,
        reason="病故",
    )
    from fupin.exchange.tests.conftest import good_household

    new = VILLAGE + "0977"
    before_households = Household.objects.count()
    result = run(
        users,
        book(
            households=[good_household(new, household_size="1")],
            members=[good_member(new, id_number=SON, name="盘小龙", relation="户主")],
        ),
    )
    assert "died on 2021-03-04" in id_reasons(result)[2]
    assert not Member.objects.filter(id_number=SON, is_active=True).exists()
    # the household itself is new and valid: it is created, without the dead person
    assert Household.objects.count() == before_households + 1
    assert not Member.objects.filter(household__number=new).exists()


# ------------------------------------------------------------------ moved to another household


@pytest.mark.parametrize(("mode", "dry_run"), MODES)
def test_a_person_who_moved_to_another_household_is_reported_as_such(
    users, book, household, mode, dry_run
):
    son = add_son(users, household)
    target = other_household(users)
    services.member_leave(
        actor=users["village"],
        member=son,
        kind=c.MemberChangeKind.MOVED_OUT,
        date=LEFT_ON,
        reason="投靠亲属",
        target_household=target,
    )
    services.member_add(
        actor=users["village"],
        household=target,
        data=member_data(id_number=SON, name="盘小龙", relation=c.Relation.OTHER),
        kind=c.MemberChangeKind.MOVED_IN,
        date=LEFT_ON,
        reason="投靠亲属",
    )
    before = state()
    result = run(
        users, book(members=[head_row(household), son_row(household)]), mode=mode, dry_run=dry_run
    )
    reason = id_reasons(result)[3]
    assert "2021-03-04" in reason and "投靠亲属" in reason
    assert f"now a member of household {target.number}" in reason and CASE in reason
    check_refused(result, before, mode, dry_run)
    assert Member.objects.get(id_number=SON, is_active=True).household_id == target.pk


@pytest.mark.parametrize(("mode", "dry_run"), MODES)
def test_a_move_out_of_the_area_does_not_name_the_household(users, book, household, mode, dry_run):
    son = add_son(users, household)
    outside = other_household(users, who="neighbour", village=NEIGHBOUR)
    services.member_leave(
        actor=users["village"],
        member=son,
        kind=c.MemberChangeKind.MOVED_OUT,
        date=LEFT_ON,
        reason="迁往清塘村",
    )
    services.member_add(
        actor=users["neighbour"],
        household=outside,
        data=member_data(id_number=SON, name="盘小龙", relation=c.Relation.OTHER),
        kind=c.MemberChangeKind.MOVED_IN,
        date=LEFT_ON,
        reason="迁入",
    )
    before = state()
    result = run(
        users, book(members=[head_row(household), son_row(household)]), mode=mode, dry_run=dry_run
    )
    reason = id_reasons(result)[3]
    assert "2021-03-04" in reason and "迁往清塘村" in reason  # our household's own record
    assert "now a member of a household outside your area" in reason
    assert outside.number not in reason and "迁入" not in reason
    check_refused(result, before, mode, dry_run)
    # the county sees both households: the number is named
    result = run(users, book(members=[head_row(household), son_row(household)]), who="county")
    assert f"now a member of household {outside.number}" in id_reasons(result)[3]
