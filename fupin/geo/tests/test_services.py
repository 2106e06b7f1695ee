import pytest

from conftest import NEIGHBOUR, VILLAGE
from fupin.core.errors import NotAllowed, OutsideArea, ValidationFailed
from fupin.core.models import ChangeRecord
from fupin.geo.models import Division, Level, VillageProfile
from fupin.geo.services import level_of_code, load_divisions, village_profile_update


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("430000000000", Level.PROVINCE),
        ("431100000000", Level.PREFECTURE),
        ("431129000000", Level.COUNTY),
        ("431129100000", Level.TOWNSHIP),
        ("431129100201", Level.VILLAGE),
    ],
)
def test_level_from_code(code, level):
    assert level_of_code(code) == level


def test_tree_links_parents_and_creates_village_profiles(tree):
    v = Division.objects.get(code=VILLAGE)
    assert v.parent.code == "431129100000"
    assert v.parent.parent.parent.parent.code == "430000000000"
    assert v.prefix == VILLAGE and v.parent.prefix == "431129100"
    assert VillageProfile.objects.filter(village=v).exists()


def test_orphan_refused_and_nothing_loaded(db):
    result = load_divisions([("430000000000", "湖南省"), ("431129100201", "大坪村")])
    assert result.errors
    assert not Division.objects.exists()


def test_reload_is_idempotent(tree):
    from conftest import TREE

    again = load_divisions(TREE)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(TREE))


def test_profile_update_records_history(users):
    p = VillageProfile.objects.get(village_id=VILLAGE)
    village_profile_update(
        profile=p,
        actor=users["township"],
        reason="annual survey",
        data={"is_poor_village": True, "rural_population": 1234},
    )
    rec = ChangeRecord.objects.get(object_type="geo.villageprofile", object_id=VILLAGE)
    assert rec.changes["rural_population"] == [0, 1234]
    assert rec.reason == "annual survey"


def test_profile_update_scope_and_role(users):
    p = VillageProfile.objects.get(village_id=VILLAGE)
    with pytest.raises(OutsideArea):
        village_profile_update(profile=p, actor=users["neighbour"], data={"has_bus": True})
    with pytest.raises(NotAllowed):
        village_profile_update(profile=p, actor=users["inspector"], data={"has_bus": True})
    with pytest.raises(ValidationFailed):
        village_profile_update(profile=p, actor=users["village"], data={"exit_year": 2018})
    assert not VillageProfile.objects.get(village_id=NEIGHBOUR).has_bus
