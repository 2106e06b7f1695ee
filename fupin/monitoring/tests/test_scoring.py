"""The risk score: features, fallback, and the held-out evaluation on a generated demo."""

from __future__ import annotations

from io import StringIO

import numpy as np
import polars as pl
import pytest
from django.core.management import call_command

from fupin.monitoring.scoring import RULES, features, model, score
from fupin.monitoring.scoring.evaluate import evaluate, top_capture
from fupin.registry import choices as c
from fupin.registry import demo

RATIOS = pl.DataFrame(
    {
        "household_id": [1, 1, 1, 1, 2, 2, 2, 3, 3],
        "year": [2015, 2016, 2017, 2018, 2016, 2017, 2018, 2019, 2020],
        "ratio": [0.8, 0.9, 1.2, 0.7, 0.6, 1.5, 1.6, 0.7, 1.3],
        "property_income": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 100.0, 0.0, 0.0],
    }
)


def test_exits_are_reconstructed_from_incomes():
    ex = features.exits(RATIOS)
    # 1 exits in 2017 and falls back in 2018; 2 exits in 2017 and stays out; 3 exits in
    # 2020 but has no later record, so it is not labelled.
    assert ex.rows() == [(1, 2017, 1), (2, 2017, 0)]


def test_assemble_features():
    households = pl.DataFrame(
        {"id": [1, 2], "main_cause": [c.PovertyCause.ILLNESS, c.PovertyCause.LACK_FUNDS]},
    ).with_columns(supported=pl.Series([0, 1]))
    members = pl.DataFrame(
        {
            "household_id": [1, 1, 1, 2],
            "birth_year": [1950, 1980, 2016, 1970],
            "relation": [c.Relation.HEAD, c.Relation.SON, c.Relation.GRANDCHILD, c.Relation.HEAD],
            "health": [c.Health.SERIOUS, c.Health.HEALTHY, c.Health.HEALTHY, c.Health.CHRONIC],
            "labour": [c.LabourCapacity.LOST, c.LabourCapacity.ORDINARY, "none", "weak"],
            "school_status": ["", "", c.SchoolStatus.PRIMARY, ""],
            "migrant_months": [0, 6, 0, 0],
        }
    )
    findings = pl.DataFrame({"household_id": [2], "findings": [3]})
    keys = pl.DataFrame({"household_id": [1, 2], "year": [2017, 2017]})
    f = features.assemble(keys, households, members, RATIOS, findings).sort("household_id")
    one, two = f.row(0, named=True), f.row(1, named=True)
    assert one["margin"] == pytest.approx(0.2)
    assert one["income_trend"] == pytest.approx(0.9 / 0.8 - 1)
    assert one["size"] == 3  # the grandchild born 2016 counts in 2017
    assert one["labour_share"] == pytest.approx(1 / 3)
    assert one["serious_or_disabled"] == 1 and one["pupils"] == 1 and one["migrants"] == 1
    assert one["head_age"] == 67 and one["cause_health"] == 1 and one["findings"] == 0
    assert two["margin"] == pytest.approx(0.5) and two["income_trend"] == 0  # no 2015 record
    assert two["labour_share"] == pytest.approx(0.5) and two["chronic"] == 1
    assert two["supported"] == 1 and two["findings"] == 3 and two["migrants"] == 0
    assert set(features.FEATURES) <= set(f.columns)


def _frame(n: int, positives: int) -> pl.DataFrame:
    rng = np.random.default_rng(1)
    data = {name: rng.random(n) for name in features.FEATURES}
    data["returned"] = np.r_[np.ones(positives), np.zeros(n - positives)].astype(int)
    data["household_id"] = np.arange(n)
    return pl.DataFrame(data)


def test_fallback_when_history_is_short_or_one_sided():
    assert model.fit(_frame(50, 10)).kind == RULES
    one_class = model.fit(_frame(500, 0))
    assert one_class.kind == RULES and one_class.reason == "too few of one class"
    assert model.fit(_frame(500, 50)).kind == model.MODEL


def test_rule_points_rank_the_obvious_case_first():
    base = {f: [0.0, 0.0] for f in features.FEATURES}
    base.update(
        margin=[0.05, 1.5],
        serious_or_disabled=[1.0, 0.0],
        labour_share=[0.2, 1.0],
        migrants=[0.0, 2.0],
        head_age=[70.0, 40.0],
    )
    frame = pl.DataFrame(base)
    rules = model.fit(frame.with_columns(returned=pl.lit(0)))
    p = rules.predict(frame)
    assert p[0] > p[1] and 0 <= p[1] <= p[0] <= 1
    factors = rules.top_factors(frame)
    assert factors[0][0] == "margin" and "serious_or_disabled" in factors[0]
    assert "margin" not in factors[1]


def test_top_capture():
    y = np.array([1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert top_capture(y, np.arange(10.0)) == 0.5
    assert top_capture(y, -np.arange(10.0)) == 0.5
    assert top_capture(y, np.r_[9.0, np.zeros(8), 8.0], share=0.2) == 1.0


@pytest.mark.django_db
def test_model_beats_the_trivial_baseline_on_held_out_households():
    demo.build(seed=2017, scale=demo.parse_scale(12_000))
    ev = evaluate(seed=0)
    assert ev.kind == model.MODEL
    assert ev.positives_test >= 15
    assert ev.auc > ev.auc_baseline + 0.02
    assert ev.capture > ev.capture_baseline
    assert ev.brier < ev.brier_baseline
    assert sum(n for _p, _o, n in ev.reliability) == ev.n_test
    # The factors the generator uses come out with the right sign.
    assert ev.coefficients["margin"] < 0 and ev.coefficients["labour_share"] < 0
    assert ev.coefficients["serious_or_disabled"] > 0 and ev.coefficients["head_age"] > 0

    result = score(top=5)
    assert result.model.kind == model.MODEL and len(result.rows) == 5
    probs = [r.probability for r in result.rows]
    assert probs == sorted(probs, reverse=True) and all(r.factors for r in result.rows)
    out = StringIO()
    call_command("risk_score", "--top", "3", stdout=out)
    assert len(out.getvalue().strip().splitlines()) == 3 + 3
    out = StringIO()
    call_command("risk_evaluate", stdout=out)
    assert "AUC" in out.getvalue()


def test_margins_use_the_line_of_the_households_province(users, household):
    """3,500 yuan a head in 2019: above the national line (3,218), under Hunan's own
    (3,747) once the province has one; a household elsewhere keeps the national line."""
    from fupin.policy import seeds
    from fupin.policy.tests.test_policy import income

    income(users, household, 2019, 3500)
    before = features.scoring_frame(household.village_id, year=2019, everyone=True)
    assert before.row(0, named=True)["margin"] == pytest.approx(3500 / 3218 - 1)

    seeds.seed_provincial_lines(actor=users["admin"], province="430000000000")
    after = features.scoring_frame(household.village_id, year=2019, everyone=True)
    assert after.row(0, named=True)["margin"] == pytest.approx(3500 / 3747 - 1)

    incomes = pl.DataFrame(
        {
            "household_id": [1, 2],
            "village_id": [household.village_id, "520102001001"],
            "year": [2019, 2019],
            "household_size": [1, 1],
            "net": [3500.0, 3500.0],
            "property_income": [0.0, 0.0],
        }
    )
    ratios = dict(features.income_ratios(incomes).select("household_id", "ratio").iter_rows())
    assert ratios == {1: pytest.approx(3500 / 3747), 2: pytest.approx(3500 / 3218)}
