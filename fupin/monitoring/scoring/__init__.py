"""Return-to-poverty risk score (capability M): features from the registry (features),
a logistic model with a rule-based fallback (model), an honest held-out evaluation
(evaluate). `score` is the entry point for the command and the pages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fupin.monitoring.scoring import features
from fupin.monitoring.scoring.model import MODEL, RULES, RiskModel, explain, fit
from fupin.registry import choices as c

__all__ = ["MODEL", "RULES", "RiskModel", "ScoreResult", "Scored", "score"]


@dataclass
class Scored:
    household_id: int
    number: str
    village: str
    status: str
    probability: float
    factors: list[str]

    @property
    def explanation(self) -> str:
        return explain(self.factors)


@dataclass
class ScoreResult:
    model: RiskModel
    year: int
    scored: int
    rows: list[Scored]


def score(area: str = "", *, year: int | None = None, top: int | None = 20) -> ScoreResult:
    """Train on the area's labelled exits, score monitored and recently exited households
    as of `year`, return the `top` highest (all when None) with their top factors."""
    data = features.read_all(area)
    fitted = fit(features.training_frame(area, data))
    frame = features.scoring_frame(area, year, data)
    p = fitted.predict(frame)
    order = np.argsort(-p, kind="stable")
    if top is not None:
        order = order[:top]
    chosen = frame[order]
    factors = fitted.top_factors(chosen)
    statuses = dict(c.HouseholdStatus.choices)
    rows = [
        Scored(
            household_id=int(r["household_id"]),
            number=r["number"],
            village=r["village_id"],
            status=str(statuses.get(r["status"], r["status"])),
            probability=float(p[i]),
            factors=f,
        )
        for i, r, f in zip(order, chosen.iter_rows(named=True), factors, strict=True)
    ]
    year_ = int(frame["year"][0]) if frame.height else (year or 0)
    return ScoreResult(fitted, year_, frame.height, rows)
