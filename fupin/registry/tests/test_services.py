import datetime as dt

import pytest

from conftest import NEIGHBOUR, VILLAGE, make_id, member_data
from fupin.core.errors import DuplicatePerson, NotAllowed, OutsideArea, ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.registry import choices as c
from fupin.registry import services
from fupin.registry.models import Member


def test_household_create_writes_history(household, users):
    rec = ChangeRecord.objects.get(
        object_type="registry.household", object_id=str(household.pk), action="create"
    )
    assert rec.post_data["status"] == c.HouseholdStatus.CANDIDATE
    assert rec.user == users["village"]
    assert rec.reason == "registration"
    assert rec.area_code == VILLAGE
    assert household.number.startswith(VILLAGE)


def test_same_person_cannot_join_two_active_households(household, neighbour_household, users):
    with pytest.raises(DuplicatePerson) as exc:
        services.member_add(
            actor=users["neighbour"],
            household=neighbour_household,
            data=member_data(relation=c.Relation.SPOUSE),
        )
    # The neighbour may not see the other household's number.
    assert household.number not in str(exc.value.message)


def test_duplicate_message_names_household_for_user_who_may_see_it(household, users):
    h2 = services.household_create(
        actor=users["township"],
        village_code=NEIGHBOUR,
        data={"main_cause": "illness"},
    )
    with pytest.raises(DuplicatePerson) as exc:
        services.member_add(actor=users["township"], household=h2, data=member_data())
    assert household.number in str(exc.value.message)


def test_member_sex_must_agree_with_id_number(household, users):
    with pytest.raises(ValidationFailed) as exc:
        services.member_add(
            actor=users["village"],
            household=household,
            data=member_data(id_number=make_id(seq="224"), sex="M", relation=c.Relation.SPOUSE),
        )
    assert "sex" in exc.value.errors


def test_second_head_refused(household, users):
    with pytest.raises(ValidationFailed) as exc:
        services.member_add(
            actor=users["village"],
            household=household,
            data=member_data(id_number=make_id(seq="333")),
        )
    assert "relation" in exc.value.errors


def test_outside_area_edit_refused(household, users):
    with pytest.raises(OutsideArea):
        services.household_update(
            actor=users["neighbour"], household=household, data={"address": "x"}
        )


def test_read_only_role_cannot_edit(household, users):
    with pytest.raises(NotAllowed):
        services.household_update(
            actor=users["inspector"], household=household, data={"address": "x"}
        )


def test_update_records_old_and_new_values(household, users):
    services.household_update(
        actor=users["village"],
        household=household,
        data={"address": "新地址"},
        reason="moved house",
    )
    rec = ChangeRecord.objects.filter(
        object_id=str(household.pk), object_type="registry.household"
    ).first()
    assert rec.action == "update"
    assert rec.changes == {"address": ["大坪村一组12号", "新地址"]}
    assert rec.reason == "moved house"


def test_member_leave_death_frees_the_id_number(household, users, neighbour_household):
    m = household.members.get()
    services.member_leave(
        actor=users["village"],
        member=m,
        kind=c.MemberChangeKind.DEATH,
        date=dt.date(2020, 5, 1),
        reason="died",
    )
    m.refresh_from_db()
    assert not m.is_active and m.left_on == dt.date(2020, 5, 1)
    assert household.member_changes.filter(kind="death").exists()


def test_income_net_per_capita(household, users):
    rec = services.income_set(
        actor=users["village"],
        household=household,
        year=2019,
        data={
            "household_size": 4,
            "wages": 8000,
            "production": 3000,
            "property_income": 200,
            "subsistence_allowance": 1200,
            "pension": 900,
            "production_expenses": 1300,
        },
    )
    assert rec.total_income == 13300
    assert rec.net_income_per_capita == 3000


def test_income_negative_refused(household, users):
    with pytest.raises(ValidationFailed):
        services.income_set(
            actor=users["village"], household=household, year=2019, data={"wages": -1}
        )


def test_household_rules(users):
    with pytest.raises(ValidationFailed) as exc:
        services.household_create(
            actor=users["village"],
            village_code=VILLAGE,
            data={
                "main_cause": "illness",
                "other_causes": ["illness", "disaster", "lack_land"],
                "status_year": 2016,
                "housing_safe": False,
            },
        )
    assert {"other_causes", "danger_grade"} <= set(exc.value.errors)


def test_split_moves_members_to_new_household(household, users):
    spouse = services.member_add(
        actor=users["village"],
        household=household,
        data=member_data(
            id_number=make_id(seq="224"), name="赵桂花", sex="F", relation=c.Relation.SPOUSE
        ),
    )
    new = services.household_split(
        actor=users["village"],
        household=household,
        members=[spouse],
        head=spouse,
        date=dt.date(2021, 1, 1),
        reason="分户",
    )
    assert Member.objects.get(id_number=spouse.id_number, is_active=True).household == new
    assert new.members.get(is_active=True).relation == c.Relation.HEAD
