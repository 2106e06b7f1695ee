"""The return-to-poverty risk model: who, among monitored and recently exited households,
is most likely to fall back under the line within a year.

Choice: logistic regression on standardised features (scikit-learn). Why not gradient
boosting: with a dozen features and a few thousand labelled exits per county, a linear
log-odds model is hard to overfit, gives calibrated probabilities without a separate
calibration step, scores 10^6 households with one matrix product, and its explanation is
exact — the log-odds are the intercept plus coefficient × standardised value of each
feature, so "top factors" are the largest positive terms, not an approximation. The
price: no interactions or thresholds unless built as features. On the demo the truth is
logistic (`fupin.registry.demo.return_probability`), so the model is well specified
there; on real data compare with boosting before trusting it more.

Training label: see `features.exits` — an exit is a year Y with income per person under
the line in Y−1 and at or above it in Y; returned = under the line again in Y+1.

Fallback: with fewer than `MIN_EXAMPLES` labelled exits, or fewer than `MIN_POSITIVES`
returns or non-returns, a fitted model would be noise; a transparent points score over
the same factors is used instead (`rule_points`). Its "probability" is points ÷ 100, a
ranking score, not a calibrated probability. `RiskModel.kind` says which was used.

Honest limits: the model learns from the registry's own history, so it inherits its
biases (households never registered are invisible; member attributes are as recorded
now, not as they were in the exit year); findings carry no date. It ranks who to visit
first; it decides nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from django.utils.translation import gettext_lazy as _
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from fupin.monitoring.scoring.features import FEATURES

MIN_EXAMPLES = 200
MIN_POSITIVES = 10
MODEL = "model"
RULES = "rules"

# Why a feature raises the risk (it appears as a factor only when it does).
FACTOR_LABELS = {
    "margin": _("thin income margin over the line"),
    "income_trend": _("income growing slowly or falling"),
    "size": _("large household"),
    "labour_share": _("few able-bodied labourers for the household's size"),
    "serious_or_disabled": _("member seriously ill or disabled"),
    "chronic": _("chronically ill members"),
    "pupils": _("children in school"),
    "head_age": _("older head of household"),
    "migrants": _("no member working away from home"),
    "cause_health": _("main poverty cause illness or disability"),
    "supported": _("no industry support (cooperative or enterprise)"),
    "property_income": _("no property income (dividend)"),
    "findings": _("open findings from department data"),
}


def _matrix(frame: pl.DataFrame) -> np.ndarray:
    return frame.select(FEATURES).to_numpy().astype(np.float64)


def rule_points(frame: pl.DataFrame) -> np.ndarray:
    """Points per factor (n × features), summed to the fallback score (0–100)."""
    n = frame.height
    pts = np.zeros((n, len(FEATURES)))
    col = {f: i for i, f in enumerate(FEATURES)}
    x = {f: frame[f].to_numpy().astype(np.float64) for f in FEATURES}
    pts[:, col["margin"]] = np.where(x["margin"] < 0.2, 25, np.where(x["margin"] < 0.5, 10, 0))
    pts[:, col["serious_or_disabled"]] = np.where(x["serious_or_disabled"] > 0, 20, 0)
    pts[:, col["labour_share"]] = np.where(x["labour_share"] < 0.35, 15, 0)
    pts[:, col["cause_health"]] = np.where(x["cause_health"] > 0, 10, 0)
    pts[:, col["migrants"]] = np.where(x["migrants"] == 0, 10, 0)
    pts[:, col["pupils"]] = np.where(x["pupils"] >= 2, 10, 0)
    pts[:, col["head_age"]] = np.where(x["head_age"] >= 65, 10, 0)
    pts[:, col["findings"]] = np.minimum(x["findings"], 2) * 10
    pts[:, col["income_trend"]] = np.where(x["income_trend"] < 0, 5, 0)
    return pts


@dataclass
class RiskModel:
    """A fitted model (kind "model") or the points fallback (kind "rules", no pipeline)."""

    kind: str
    pipeline: Pipeline | None = None  # the fitted pipeline of kind "model"
    n_examples: int = 0
    n_positives: int = 0
    reason: str = ""
    features: tuple[str, ...] = field(default=FEATURES)

    def contributions(self, frame: pl.DataFrame) -> np.ndarray:
        """Per household and feature, the term it adds: coefficient × standardised value
        (log-odds) for the model, points for the fallback."""
        if self.pipeline is None:  # kind "rules"
            return rule_points(frame)
        scaler: StandardScaler = self.pipeline[0]
        lr: LogisticRegression = self.pipeline[-1]
        z = scaler.transform(_matrix(frame))
        return z * lr.coef_[0]

    def predict(self, frame: pl.DataFrame) -> np.ndarray:
        """Probability of return within a year (fallback: points ÷ 100)."""
        if frame.height == 0:
            return np.zeros(0)
        if self.pipeline is None:  # kind "rules"
            return np.clip(rule_points(frame).sum(axis=1) / 100, 0, 1)
        return self.pipeline.predict_proba(_matrix(frame))[:, 1]

    def top_factors(self, frame: pl.DataFrame, top: int = 3) -> list[list[str]]:
        """Feature names of the `top` largest positive contributions per household."""
        if frame.height == 0:
            return []
        contrib = self.contributions(frame)
        order = np.argsort(-contrib, axis=1)[:, :top]
        return [[self.features[j] for j in row if contrib[i, j] > 0] for i, row in enumerate(order)]

    def coefficients(self) -> dict[str, float]:
        if self.pipeline is None:  # kind "rules"
            return {}
        return dict(zip(self.features, self.pipeline[-1].coef_[0].tolist(), strict=True))


def fit(train: pl.DataFrame, *, min_examples: int = MIN_EXAMPLES) -> RiskModel:
    """Fit on labelled exits (`features.training_frame`), or fall back to the rules."""
    y = train["returned"].to_numpy().astype(int) if train.height else np.zeros(0, dtype=int)
    n, pos = len(y), int(y.sum())
    if n < min_examples:
        return RiskModel(RULES, n_examples=n, n_positives=pos, reason="too few examples")
    if pos < MIN_POSITIVES or n - pos < MIN_POSITIVES:
        return RiskModel(RULES, n_examples=n, n_positives=pos, reason="too few of one class")
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000))
    pipeline.fit(_matrix(train), y)
    return RiskModel(MODEL, pipeline, n_examples=n, n_positives=pos)


def explain(names: list[str]) -> str:
    """A household's top factors as one translated phrase."""
    return "; ".join(str(FACTOR_LABELS[n]) for n in names)
