"""A small crafted registry whose figures are computed by hand in the tests.

Three villages (two in 沱江镇, one in 大路铺镇). Every change is made through the registry
services and its change records are then dated (`at`), so the registry has a history:

=====  =============  ===================================================================
H1     大坪村         poor since 2022 (3 people); exited 2023-04-01
H2     大坪村         poor (2 people); a birth on 2023-03-10 (3 people); exits 2023-08-01
H3     清塘村         exited since 2021 (2 people); returned to poverty 2023-05-01
H4     清塘村         poor (2 people); one member moves out to H5 on 2023-02-15
H5     大路铺村       newly registered poor 2023-02-15 (1 person + the member moved in)
H6     大坪村→清塘村  poor (1 person); the household moves village on 2023-05-20
H7     大路铺村       poor (2 people); removed on 2023-06-01
H8     大坪村         removed in 2022 (1 person)
=====  =============  ===================================================================

Rural registered population (village profiles, since 2022): 大坪村 500, 清塘村 400,
大路铺村 300. 大坪村 is a poor village with every infrastructure condition but broadband.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from conftest import (
    HOUSEHOLD_DATA,
    NEIGHBOUR,
    OTHER_TOWNSHIP_VILLAGE,
    VILLAGE,
    give_status,
    make_id,
    member_data,
    registered_household,
)
from fupin.core.history import record_change
from fupin.core.models import ChangeAction, ChangeRecord
from fupin.geo.models import VillageProfile
from fupin.indicators import selectors, snapshots
from fupin.registry import choices as c
from fupin.registry import services as registry

AS_OF = dt.date(2023, 6, 30)


def moment(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


class at:
    """Date the change records written inside the block."""

    def __init__(self, day: dt.date):
        self.day = day

    def __enter__(self):
        self.last = ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def __exit__(self, *exc):
        if exc[0] is None:
            ChangeRecord.objects.filter(id__gt=self.last).update(time=moment(self.day))


@pytest.fixture(autouse=True)
def _snapshot_dir(settings, tmp_path):
    settings.INDICATOR_SNAPSHOT_DIR = str(tmp_path / "snapshots")
    snapshots.clear_cache()
    selectors.clear_cache()
    yield
    snapshots.clear_cache()
    selectors.clear_cache()


_seq = iter(range(100, 900))


@pytest.fixture(autouse=True)
def _fresh_seqs():
    """ID-number seqs start again in every test (each has a fresh database): one counter
    for the whole process ran out once enough tests had made their households, and the
    order of the tests decided which one failed. Below 901, the crafted newborn's."""
    global _seq
    _seq = iter(range(100, 900))


def _household(actor, village, people, *, status=c.HouseholdStatus.POOR, **data):
    h = registered_household(
        actor=actor,
        village_code=village,
        data=dict(HOUSEHOLD_DATA, status=status, status_year=2022, **data),
        reason="registration",
    )
    members = []
    for i, (health, labour, birth) in enumerate(people):
        members.append(
            registry.member_add(
                actor=actor,
                household=h,
                data=member_data(
                    id_number=make_id(birth=birth, seq=str(next(_seq))),
                    name=f"成员{i}",
                    relation=c.Relation.HEAD if i == 0 else c.Relation.OTHER,
                    health=health,
                    labour=labour,
                    disability_grade=2 if health == H.DISABLED else None,
                ),
                reason="registration",
            )
        )
    return h, members


def _set(actor, h, reason="", **data):
    """Change a household; its status (status year, monitoring type) as a passed case
    would set it (`give_status`, test setup only), the rest through the service."""
    procedural = {k: data.pop(k) for k in ("status", "status_year", "monitoring_type") if k in data}
    if data:
        registry.household_update(actor=actor, household=h, data=data, reason=reason or "change")
    h.refresh_from_db()
    if procedural:
        give_status(
            h,
            procedural.get("status", h.status),
            procedural.get("status_year", h.status_year),
            procedural.get("monitoring_type", h.monitoring_type),
        )
        h.refresh_from_db()


def _profile(village, population, poor=False, **flags):
    p, _created = VillageProfile.objects.update_or_create(
        village_id=village,
        defaults={
            "rural_population": population,
            "rural_households": population // 4,
            "is_poor_village": poor,
            **flags,
        },
    )
    record_change(
        actor=None,
        instance=p,
        action=ChangeAction.UPDATE,
        before={},
        area_code=village,
        time=moment(dt.date(2022, 1, 5)),
    )
    return p


H = c.Health
L = c.LabourCapacity


@pytest.fixture
def crafted(users):
    actor = users["county"]
    full = {
        "has_hardened_road": True,
        "has_bus": True,
        "has_safe_water": True,
        "has_power": True,
        "has_clinic": True,
        "has_cultural_room": True,
    }
    _profile(VILLAGE, 500, poor=True, **full)
    _profile(NEIGHBOUR, 400)
    _profile(OTHER_TOWNSHIP_VILLAGE, 300)
    n = SimpleNamespace()
    with at(dt.date(2022, 3, 1)):
        n.h1, _m = _household(
            actor,
            VILLAGE,
            [
                (H.CHRONIC, L.ORDINARY, "19700101"),
                (H.HEALTHY, L.ORDINARY, "19720101"),
                (H.HEALTHY, L.NONE, "20100101"),
            ],
            main_cause=c.PovertyCause.ILLNESS,
        )
        n.h2, _m = _household(
            actor,
            VILLAGE,
            [(H.SERIOUS, L.LOST, "19500101"), (H.HEALTHY, L.ORDINARY, "19800101")],
            main_cause=c.PovertyCause.LACK_SKILLS,
            other_causes=[],
        )
        n.h3, _m = _household(
            actor,
            NEIGHBOUR,
            [(H.HEALTHY, L.SKILLED, "19850101"), (H.DISABLED, L.WEAK, "19900101")],
            status=c.HouseholdStatus.EXITED,
            main_cause=c.PovertyCause.DISABILITY,
            category=c.HouseholdCategory.SUBSISTENCE,
        )
        n.h4, n.h4_members = _household(
            actor,
            NEIGHBOUR,
            [(H.HEALTHY, L.ORDINARY, "19750101"), (H.HEALTHY, L.ORDINARY, "19990101")],
            main_cause=c.PovertyCause.LACK_FUNDS,
        )
        n.h6, _m = _household(
            actor,
            VILLAGE,
            [(H.HEALTHY, L.ORDINARY, "19600101")],
            main_cause=c.PovertyCause.LACK_LAND,
        )
        n.h7, _m = _household(
            actor,
            OTHER_TOWNSHIP_VILLAGE,
            [(H.HEALTHY, L.ORDINARY, "19650101"), (H.CHRONIC, L.WEAK, "19400101")],
            main_cause=c.PovertyCause.ILLNESS,
        )
        n.h8, _m = _household(
            actor, VILLAGE, [(H.HEALTHY, L.ORDINARY, "19880101")], main_cause=c.PovertyCause.OTHER
        )
    with at(dt.date(2022, 9, 1)):
        _set(actor, n.h8, status=c.HouseholdStatus.REMOVED)
    with at(dt.date(2023, 2, 15)):
        mover = n.h4_members[1]
        registry.member_leave(
            actor=actor,
            member=mover,
            kind=c.MemberChangeKind.MOVED_OUT,
            date=dt.date(2023, 2, 15),
            reason="moved to 大路铺村",
        )
        n.h5, _m = _household(
            actor,
            OTHER_TOWNSHIP_VILLAGE,
            [(H.HEALTHY, L.ORDINARY, "19980101")],
            main_cause=c.PovertyCause.LACK_FUNDS,
        )
        registry.member_add(
            actor=actor,
            household=n.h5,
            data=member_data(
                id_number=mover.id_number,
                name=mover.name,
                relation=c.Relation.SPOUSE,
                health=H.HEALTHY,
                labour=L.ORDINARY,
            ),
            kind=c.MemberChangeKind.MOVED_IN,
            date=dt.date(2023, 2, 15),
            reason="moved in",
        )
    with at(dt.date(2023, 3, 10)):
        registry.member_add(
            actor=actor,
            household=n.h2,
            data=member_data(
                id_number=make_id(birth="20230310", seq="901"),
                name="新生儿",
                relation=c.Relation.GRANDCHILD,
                health=H.HEALTHY,
                labour=L.NONE,
                education="",
                school_status=c.SchoolStatus.PRESCHOOL_CHILD,
            ),
            kind=c.MemberChangeKind.BIRTH,
            date=dt.date(2023, 3, 10),
            reason="birth",
        )
    with at(dt.date(2023, 4, 1)):
        _set(actor, n.h1, status=c.HouseholdStatus.EXITED, status_year=2023)
    with at(dt.date(2023, 5, 1)):
        _set(actor, n.h3, status=c.HouseholdStatus.RETURNED, status_year=2023)
    with at(dt.date(2023, 5, 20)):
        _set(actor, n.h6, village=NEIGHBOUR)
    with at(dt.date(2023, 6, 1)):
        _set(actor, n.h7, status=c.HouseholdStatus.REMOVED, status_year=2023)
    with at(dt.date(2023, 8, 1)):
        _set(actor, n.h2, status=c.HouseholdStatus.EXITED, status_year=2023)
    return n
