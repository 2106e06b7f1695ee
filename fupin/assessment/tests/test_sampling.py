"""The sample is reproducible: same seed + same frame → same households; stored once."""

import numpy as np
import pytest
from django.db.models import Q

from conftest import NEIGHBOUR, VILLAGE
from fupin.assessment import sampling as S
from fupin.assessment import services
from fupin.assessment.models import SampleUnit, StratumSize
from fupin.core.errors import DomainError
from fupin.geo.models import VillageProfile
from fupin.registry.models import Household

from .conftest import COUNTY


def test_draw_is_reproducible_and_without_replacement():
    a = S.draw(7, "431129100201", S.EXITED, 40, 6)
    b = S.draw(7, "431129100201", S.EXITED, 40, 6)
    assert a.tolist() == b.tolist()
    assert len(set(a.tolist())) == 6 and a.min() >= 0 and a.max() < 40
    assert S.draw(8, "431129100201", S.EXITED, 40, 6).tolist() != a.tolist()
    # Another stratum of the same village draws from its own stream.
    assert S.draw(7, "431129100201", S.IN_POVERTY, 40, 6).tolist() != a.tolist()


def test_one_village_does_not_change_what_another_draws():
    pops = {("431129100201", S.EXITED): 30, ("431129100202", S.EXITED): 50}
    sizes = {S.EXITED: 4}
    first = {d.village_code: d.positions.tolist() for d in S.draw_all(3, pops, sizes)}
    pops[("431129100202", S.EXITED)] = 80
    pops[("431129100203", S.EXITED)] = 10
    second = {d.village_code: d.positions.tolist() for d in S.draw_all(3, pops, sizes)}
    assert first["431129100201"] == second["431129100201"]


def test_allocation_takes_at_least_two_and_at_most_the_stratum():
    assert S.allocation(0, 5) == 0
    assert S.allocation(1, 5) == 1
    assert S.allocation(10, 1) == 2
    assert S.allocation(3, 5) == 3
    assert S.allocation(100, 5) == 5
    assert S.allocation(100, 0) == 0


def test_draw_rejects_a_sample_larger_than_the_stratum():
    with pytest.raises(ValueError):
        S.draw(1, "431129100201", S.EXITED, 3, 4)


def _drawn(a):
    return sorted(
        SampleUnit.objects.filter(assessment=a).values_list(
            "village_id", "stratum", "household_id", "roster_position", "order"
        )
    )


def test_same_seed_same_frame_same_households(small_county):
    users = small_county
    a = services.assessment_create(actor=users["inspector"], county_code=COUNTY, seed=2024)
    b = services.assessment_create(actor=users["inspector"], county_code=COUNTY, seed=2024)
    c = services.assessment_create(actor=users["inspector"], county_code=COUNTY, seed=2025)
    for x in (a, b, c):
        services.sample_draw(actor=users["inspector"], assessment=x)
    assert _drawn(a) == _drawn(b)
    assert _drawn(a) != _drawn(c)
    units = SampleUnit.objects.filter(assessment=a)
    assert units.exclude(household=None).exists() and units.filter(household=None).exists()
    # Every stratum drew what its allocation says, with weight N/n.
    for s in StratumSize.objects.filter(assessment=a):
        drawn = units.filter(village_id=s.village_id, stratum=s.stratum)
        assert drawn.count() == s.sample_size == S.allocation(s.population, a.sizes[s.stratum])
        for u in drawn:
            assert u.weight == pytest.approx(s.population / s.sample_size)


def test_the_frame_of_the_demo_county_matches_its_registry_and_profiles(demo_county):
    sizes, ids = services.frame(COUNTY)
    registered = sum(n for (v, s), n in sizes.items() if s != S.NON_REGISTERED)
    in_strata = Q(status__in=services.IN_POVERTY_STATUSES) | services.EXITED_Q
    assert registered == Household.objects.filter(in_strata).count() > 0
    assert Household.objects.exclude(in_strata).exists()  # removed, candidates, edge …
    for (village, stratum), n in sizes.items():
        if stratum == S.NON_REGISTERED:
            profile = VillageProfile.objects.get(village_id=village)
            reg = sizes.get((village, S.IN_POVERTY), 0) + sizes.get((village, S.EXITED), 0)
            assert n == profile.rural_households - reg > 0
        else:
            assert len(ids[(village, stratum)]) == n
            assert ids[(village, stratum)] == sorted(ids[(village, stratum)])


def test_the_small_frame_counts(small_county):
    sizes, _ids = services.frame(COUNTY)
    assert sizes[(VILLAGE, S.IN_POVERTY)] == 6 and sizes[(VILLAGE, S.EXITED)] == 9
    # 60 rural households − 15 registered (the removed household is not registered).
    assert sizes[(VILLAGE, S.NON_REGISTERED)] == 45
    assert (NEIGHBOUR, S.IN_POVERTY) in sizes and sizes[(NEIGHBOUR, S.NON_REGISTERED)] == 32


def test_the_sample_is_drawn_once(small_county):
    users = small_county
    a = services.assessment_create(actor=users["inspector"], county_code=COUNTY, seed=1)
    n = services.sample_draw(actor=users["inspector"], assessment=a)
    assert n == SampleUnit.objects.filter(assessment=a).count() > 0
    with pytest.raises(DomainError):
        services.sample_draw(actor=users["inspector"], assessment=a)
    assert SampleUnit.objects.filter(assessment=a).count() == n


def test_positions_cover_the_stratum_uniformly():
    # Over many seeds each position of a 10-household stratum is drawn ≈ n/N of the time.
    counts = np.zeros(10)
    for seed in range(2000):
        counts[S.draw(seed, "431129100201", S.NON_REGISTERED, 10, 3)] += 1
    share = counts / 2000
    assert np.all(np.abs(share - 0.3) < 0.05)
