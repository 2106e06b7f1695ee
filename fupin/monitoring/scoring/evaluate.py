"""Honest evaluation of the risk model on held-out households.

The labelled exits (`features.training_frame`) are split by household (a household's
exits are all in train or all in test; seeded `GroupShuffleSplit`), the model is fitted
on the train part only and judged on the test part:

- AUC (ranking), Brier score and a 10-bin reliability table (calibration);
- capture: the share of actual returns among the top 10% of scores;

against trivial baselines: the margin over the line alone (lower margin = higher risk)
for AUC and capture, and the prevalence (the same probability for everyone) for Brier.
On the synthetic demo this measures how much of the generator's causal model
(`fupin.registry.demo.return_probability`) is recovered — not performance on real data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from django.utils.translation import gettext as _
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import GroupShuffleSplit

from fupin.monitoring.scoring import features, model


@dataclass
class Evaluation:
    kind: str
    n_train: int
    n_test: int
    positives_test: int
    prevalence: float
    auc: float
    auc_baseline: float
    brier: float
    brier_baseline: float
    capture: float
    capture_baseline: float
    reliability: list[tuple[float, float, int]] = field(default_factory=list)
    coefficients: dict[str, float] = field(default_factory=dict)


def top_capture(y: np.ndarray, score: np.ndarray, share: float = 0.1) -> float:
    """Share of the positives among the top `share` of scores (ties broken by order)."""
    if y.sum() == 0:
        return 0.0
    k = max(1, round(len(y) * share))
    top = np.argsort(-score, kind="stable")[:k]
    return float(y[top].sum() / y.sum())


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[tuple[float, float, int]]:
    """(mean predicted, observed rate, count) per probability bin of width 1/bins."""
    idx = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for b in range(bins):
        mask = idx == b
        n = int(mask.sum())
        rows.append((float(p[mask].mean()) if n else 0.0, float(y[mask].mean()) if n else 0.0, n))
    return rows


def evaluate(
    area: str = "", *, seed: int = 0, test_share: float = 0.3, frame: pl.DataFrame | None = None
) -> Evaluation:
    data = features.training_frame(area) if frame is None else frame
    if data.height < 4:
        raise ValueError("too few labelled exits to evaluate")
    groups = data["household_id"].to_numpy()
    split = GroupShuffleSplit(n_splits=1, test_size=test_share, random_state=seed)
    train_idx, test_idx = next(split.split(np.zeros(len(groups)), groups=groups))
    train, test = data[train_idx], data[test_idx]
    fitted = model.fit(train)
    y = test["returned"].to_numpy().astype(int)
    if y.min() == y.max():
        raise ValueError("the held-out part has only one class")
    p = fitted.predict(test)
    base = -test["margin"].to_numpy()
    prevalence = float(train["returned"].mean())
    return Evaluation(
        kind=fitted.kind,
        n_train=train.height,
        n_test=test.height,
        positives_test=int(y.sum()),
        prevalence=prevalence,
        auc=float(roc_auc_score(y, p)),
        auc_baseline=float(roc_auc_score(y, base)),
        brier=float(brier_score_loss(y, p)),
        brier_baseline=float(brier_score_loss(y, np.full(len(y), prevalence))),
        capture=top_capture(y, p),
        capture_baseline=top_capture(y, base),
        reliability=reliability(y, p),
        coefficients=fitted.coefficients(),
    )


def report(ev: Evaluation) -> list[str]:
    """The evaluation as translated lines of text."""
    kind = _("logistic regression") if ev.kind == model.MODEL else _("rule-based points")
    lines = [
        _("Risk model: %(kind)s") % {"kind": kind},
        _("Labelled exits: %(train)d for training, %(test)d held out (%(pos)d returned)")
        % {"train": ev.n_train, "test": ev.n_test, "pos": ev.positives_test},
        _("Prevalence of return (training): %(p).3f") % {"p": ev.prevalence},
        _("AUC: %(m).3f (baseline, margin over the line only: %(b).3f)")
        % {"m": ev.auc, "b": ev.auc_baseline},
        _("Brier score: %(m).4f (baseline, prevalence for everyone: %(b).4f)")
        % {"m": ev.brier, "b": ev.brier_baseline},
        _("Returns caught in the top 10%% of scores: %(m).1f%% (baseline: %(b).1f%%)")
        % {"m": 100 * ev.capture, "b": 100 * ev.capture_baseline},
        _("Reliability (predicted → observed, households):"),
    ]
    for i, (pred, obs, n) in enumerate(ev.reliability):
        if n:
            lines.append(f"  {i / 10:.1f}–{(i + 1) / 10:.1f}: {pred:.3f} → {obs:.3f}  ({n})")
    if ev.coefficients:
        lines.append(_("Coefficients (per standard deviation, log-odds):"))
        for name, coef in sorted(ev.coefficients.items(), key=lambda kv: -abs(kv[1])):
            lines.append(f"  {name:20s} {coef:+.3f}")
    return lines
