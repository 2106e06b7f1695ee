"""The calculations alone: classes at the thresholds, yellow-card tracking, and the
performance ranking on a crafted set with hand-computed totals."""

from decimal import Decimal as D

import pytest

from fupin.scoring.choices import Grade, Normalisation
from fupin.scoring.rules import (
    IndicatorSpec,
    ScoreStep,
    Subject,
    Thresholds,
    classify,
    rank_subjects,
    threshold_errors,
    track,
)

DEFAULT = Thresholds()


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("79.9", Grade.YELLOW),
        ("80", Grade.IMPROVE),
        ("80.0", Grade.IMPROVE),
        ("80.1", Grade.IMPROVE),
        ("89.9", Grade.IMPROVE),
        ("90", Grade.CONSOLIDATED),
        ("100", Grade.CONSOLIDATED),
        ("60", Grade.YELLOW),
        ("59.9", Grade.KEY),
        ("0", Grade.KEY),
    ],
)
def test_classes_at_the_default_thresholds(total, grade):
    assert classify(D(total), DEFAULT) == grade


def test_yellow_threshold_is_configurable():
    t = Thresholds(yellow=D("85"))
    assert classify(D("84.9"), t) == Grade.YELLOW
    assert classify(D("85"), t) == Grade.IMPROVE
    assert classify(D("79.9"), Thresholds(yellow=D("75"))) == Grade.IMPROVE


def test_second_yellow_round_running_is_key_management():
    assert classify(D("75"), DEFAULT, carded_before=1) == Grade.KEY
    assert classify(D("75"), Thresholds(key_consecutive_rounds=3), carded_before=1) == Grade.YELLOW
    assert classify(D("75"), Thresholds(key_consecutive_rounds=3), carded_before=2) == Grade.KEY


def test_threshold_order_is_checked():
    assert threshold_errors(DEFAULT) == []
    assert threshold_errors(Thresholds(yellow=D("95"))) == ["order"]
    assert threshold_errors(Thresholds(key=D("85"))) == ["order"]
    assert threshold_errors(Thresholds(key_consecutive_rounds=1)) == ["consecutive"]


def test_card_stays_until_a_round_at_or_above_the_threshold():
    steps = [
        ScoreStep(1, D("85"), DEFAULT),
        ScoreStep(2, D("79.9"), DEFAULT),
        ScoreStep(3, D("78"), DEFAULT),
        ScoreStep(4, D("80"), DEFAULT),
        ScoreStep(5, D("70"), DEFAULT),
    ]
    grades, cards = track(steps)
    assert grades == [Grade.IMPROVE, Grade.YELLOW, Grade.KEY, Grade.IMPROVE, Grade.YELLOW]
    assert [(c.carded_round_id, c.rounds_carded, c.recovered_round_id) for c in cards] == [
        (2, 2, 4),
        (5, 1, None),
    ]


# Performance ranking on a crafted set -------------------------------------------------
# Five townships and one with no data; x (weight 2, higher better), y (weight 1, lower
# better), z (weight 1) for which nobody has data.
A, B, C, DD, E, F = (
    Subject(f"4311291{n:02d}000", name) for n, name in enumerate("ABCDEF", start=1)
)
SUBJECTS = [A, B, C, DD, E, F]
SPECS = [
    IndicatorSpec("x", D("2"), True),
    IndicatorSpec("y", D("1"), False),
    IndicatorSpec("z", D("1"), True),
]
VALUES = {
    (A.key, "x"): D("10"),
    (B.key, "x"): D("20"),
    (C.key, "x"): D("30"),
    (DD.key, "x"): None,  # missing: D is ranked on y alone
    (E.key, "x"): D("20"),
    (A.key, "y"): D("5"),
    (B.key, "y"): D("3"),
    (C.key, "y"): D("5"),
    (DD.key, "y"): D("1"),
    (E.key, "y"): D("3"),
}


def table(ranking):
    return [(r.subject.name, r.rank, r.total, r.tied, r.missing) for r in ranking.rows]


def test_minmax_ranking_by_hand():
    # x: min 10, max 30 → A 0, B 50, C 100, E 50. y (lower better): min 1, max 5 →
    # A 0, B 50, C 0, D 100, E 50. Totals (2x + y) / 3, D: y only:
    # A 0, B 50, C 200/3 = 66.67, D 100, E 50 (tie with B, listed by code).
    ranking = rank_subjects(SUBJECTS, SPECS, VALUES, Normalisation.MINMAX)
    assert table(ranking) == [
        ("D", 1, D("100.00"), False, ["x", "z"]),
        ("C", 2, D("66.67"), False, ["z"]),
        ("B", 3, D("50.00"), True, ["z"]),
        ("E", 3, D("50.00"), True, ["z"]),
        ("A", 5, D("0.00"), False, ["z"]),
        ("F", None, None, False, ["x", "y", "z"]),
    ]
    assert ranking.no_data == ["z"]
    row_c = ranking.rows[1]
    assert row_c.values == {"x": D("30"), "y": D("5"), "z": None}
    assert row_c.scores == {"x": D("100.00"), "y": D("0.00"), "z": None}


def test_rank_based_ranking_by_hand():
    # x best first 30, 20, 20, 10 → C 100, B and E 2/3·100, A 0.
    # y best first 1, 3, 3, 5, 5 → D 100, B and E 75, A and C 25.
    # A (0 + 25)/3 = 8.33; B (133.33 + 75)/3 = 69.44; C (200 + 25)/3 = 75; D 100.
    ranking = rank_subjects(SUBJECTS, SPECS, VALUES, Normalisation.RANK)
    assert [(n, r, t) for n, r, t, _tied, _m in table(ranking)] == [
        ("D", 1, D("100.00")),
        ("C", 2, D("75.00")),
        ("B", 3, D("69.44")),
        ("E", 3, D("69.44")),
        ("A", 5, D("8.33")),
        ("F", None, None),
    ]


def test_same_value_everywhere_scores_full_marks():
    ranking = rank_subjects([A, B], [SPECS[0]], {(A.key, "x"): D("7"), (B.key, "x"): D("7")})
    assert [(r.rank, r.total) for r in ranking.rows] == [(1, D("100.00")), (1, D("100.00"))]
