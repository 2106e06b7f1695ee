"""The scoring demo on a small registry demo: deterministic, with yellow cards and
recoveries, history for every row, and wiped cleanly."""

import pytest

from fupin.core.models import ChangeRecord
from fupin.registry import demo as registry_demo
from fupin.scoring import demo
from fupin.scoring.models import PerformanceScheme, ScoringRound, VillageScore, YellowCard


def summary():
    return sorted(VillageScore.objects.values_list("round__name", "village_id", "total", "grade"))


@pytest.mark.django_db
def test_demo_is_deterministic_with_cards_and_recoveries():
    registry_demo.build(seed=2017, scale=registry_demo.parse_scale(300))
    demo.build_demo(seed=2017, log=None)
    rounds = list(ScoringRound.objects.order_by("period_end"))
    assert len(rounds) == 2
    villages = VillageScore.objects.filter(round=rounds[0]).count()
    assert villages >= 300  # every village of the county, each round
    assert VillageScore.objects.filter(round=rounds[1]).count() == villages
    cards = YellowCard.objects.all()
    recovered = cards.filter(recovered_round=rounds[1]).count()
    still = cards.filter(recovered_round__isnull=True).count()
    assert 0.04 * villages < cards.count() < 0.2 * villages
    assert recovered > still > 0
    assert VillageScore.objects.filter(grade="key").exists()
    scheme = PerformanceScheme.objects.get()
    assert scheme.indicators.count() == 5 and scheme.runs.count() == 1
    n_history = ChangeRecord.objects.filter(object_type="scoring.villagescore").count()
    assert n_history == 2 * villages
    first = summary()
    demo.wipe_demo()
    assert not VillageScore.objects.exists() and not ScoringRound.objects.exists()
    assert not ChangeRecord.objects.filter(object_type__startswith="scoring.").exists()
    demo.build_demo(seed=2017, log=None)
    assert summary() == first
