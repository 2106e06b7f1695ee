import datetime as dt

from django.utils import timezone

from conftest import NEIGHBOUR, OTHER_COUNTY_VILLAGE, VILLAGE
from fupin.core.masking import mask_bank_account, mask_id_number, mask_phone
from fupin.core.models import ChangeRecord
from fupin.core.scope import code_range
from fupin.geo.models import Division
from fupin.registry import selectors, services
from fupin.registry.models import Household, Member


def test_code_range_contains_exactly_the_subtree():
    low, high = code_range("431129")
    assert low <= "431129100201" <= high
    assert not (low <= "431128100201" <= high)
    assert not (low <= "431130000000" <= high)


def test_restrict_by_role_area(household, neighbour_household, users):
    def visible(user):
        return set(Household.objects.restrict(user).values_list("village_id", flat=True))

    assert visible(users["village"]) == {VILLAGE}
    assert visible(users["neighbour"]) == {NEIGHBOUR}
    assert visible(users["township"]) == {VILLAGE, NEIGHBOUR}
    assert visible(users["county"]) == {VILLAGE, NEIGHBOUR}
    assert visible(users["other_county"]) == set()
    assert visible(users["admin"]) == {VILLAGE, NEIGHBOUR}
    assert Member.objects.restrict(users["village"]).count() == 1


def test_anonymous_and_inactive_see_nothing(household, users):
    from django.contrib.auth.models import AnonymousUser

    assert not Household.objects.restrict(AnonymousUser()).exists()
    users["county"].is_active = False
    assert not Household.objects.restrict(users["county"]).exists()


def test_divisions_restricted(users):
    codes = set(Division.objects.restrict(users["township"]).values_list("code", flat=True))
    assert VILLAGE in codes and OTHER_COUNTY_VILLAGE not in codes
    assert "431129000000" not in codes  # the county is above the township user


def test_masks():
    assert mask_id_number("43112919800101123X") == "**************123X"
    assert mask_phone("13807461234") == "138****1234"
    assert mask_bank_account("6217001234567890123") == "6217***********0123"
    assert mask_id_number("") == ""


def test_household_as_of_reads_back_past_state(household, users):
    created = ChangeRecord.objects.filter(
        related_id=str(household.pk)
    ) | ChangeRecord.objects.filter(object_id=str(household.pk), object_type="registry.household")
    past = timezone.now() - dt.timedelta(days=30)
    created.update(time=past)
    services.household_update(
        actor=users["village"], household=household, data={"address": "新址"}, reason="moved"
    )
    m = household.members.get()
    services.member_update(actor=users["village"], member=m, data={"name": "盘新名"})

    then = selectors.household_as_of(
        user=users["village"], household=household, when=past + dt.timedelta(seconds=1)
    )
    assert then["household"]["address"] == "大坪村一组12号"
    assert [x["name"] for x in then["members"]] == ["盘石生"]
    now = selectors.household_as_of(user=users["village"], household=household, when=timezone.now())
    assert now["household"]["address"] == "新址"
    assert [x["name"] for x in now["members"]] == ["盘新名"]
    before = selectors.household_as_of(
        user=users["village"], household=household, when=past - dt.timedelta(days=1)
    )
    assert before is None


def test_history_includes_children(household, users):
    kinds = {
        r.object_type
        for r in selectors.household_history(user=users["village"], household=household)
    }
    assert {"registry.household", "registry.member", "registry.memberchange"} <= kinds
