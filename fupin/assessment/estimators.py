"""Design-based estimates of the "three rates and one degree" (三率一度) from a stratified
household sample. Pure functions over arrays: the services, the pages, the command and
the coverage simulation in the tests all call these same functions.

The design: every village is a stratum group; inside a village the frame is split into
registration strata (registered in poverty, exited, not registered). Each stratum h has
N_h households in the frame and n_h households surveyed, drawn by simple random sampling
without replacement. A rate is a proportion over a *domain* made of whole strata (e.g.
the missed-poor rate is over the non-registered strata), so the stratified estimator is

    p̂ = Σ_h W_h · ȳ_h,   W_h = N_h / Σ N_h          (sums over the domain's strata)
    v̂(p̂) = Σ_h W_h² · (1 − n_h/N_h) · s_h² / n_h     (with the finite-population correction)
    s_h² = n_h/(n_h − 1) · ȳ_h (1 − ȳ_h)

A stratum where nobody could be surveyed drops out of both sums (its households are
represented by the other strata of the domain); the estimate reports the households
covered. For rates near 0 a Wald interval p̂ ± 1.96·√v̂ undercovers badly (it collapses to
[0, 0] when no case is found), so the interval is a Wilson score interval computed on the
effective sample size n* = p̂(1 − p̂)/v̂ (at most n; Korn and Graubard 1998), with the
Student t quantile on n − H degrees of freedom in place of 1.96 — the design effect of
the unequal weights and the strata is carried by n*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats

CONFIDENCE = 0.95

MET = "met"
NOT_ESTABLISHED = "not_established"
NOT_MET = "not_met"


@dataclass(frozen=True)
class Estimate:
    """One estimated rate with its 95% interval and whether its target is met.

    point, low, high are proportions in 0..1; n is the number of surveyed households
    the estimate rests on; target is the threshold (a rate must stay *below* it, except
    approval, which must reach it); status is "met" (established with 95% confidence),
    "not_established" (the point estimate meets the target but the interval does not)
    or "not_met".
    """

    point: float
    low: float
    high: float
    n: int
    target: float
    status: str
    # Not part of the contract used by other apps, shown on the results page.
    cases: int = 0  # surveyed households with the outcome (unweighted)
    population: int = 0  # frame households in the strata that had a survey
    frame: int = 0  # frame households in the domain
    n_eff: float = 0.0
    higher_is_better: bool = False


@dataclass(frozen=True)
class Proportion:
    point: float
    variance: float
    n: int
    strata: int  # strata with at least one surveyed household
    cases: int
    population: int


def stratified_proportion(strata: np.ndarray, y: np.ndarray, sizes: np.ndarray) -> Proportion:
    """The stratified estimate of a proportion.

    strata: stratum index (0..H-1) of each surveyed household; y: 0/1 outcome of each;
    sizes: N_h, the frame households of each of the domain's H strata.
    """
    strata = np.asarray(strata, dtype=np.int64)
    y = np.asarray(y, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.float64)
    n = int(y.size)
    if n == 0:
        return Proportion(0.0, 0.0, 0, 0, 0, 0)
    n_h = np.bincount(strata, minlength=sizes.size).astype(np.float64)
    t_h = np.bincount(strata, weights=y, minlength=sizes.size)
    has = n_h > 0
    nh, th, big_n = n_h[has], t_h[has], sizes[has]
    if np.any(nh > big_n):
        raise ValueError("a stratum has more surveyed households than its frame")
    covered = big_n.sum()
    w = big_n / covered
    ybar = th / nh
    point = float(np.sum(w * ybar))
    # Within-stratum variance; a stratum with a single surveyed household (possible only
    # after non-response) borrows the domain's p̂(1 − p̂).
    s2 = np.where(nh > 1, ybar * (1 - ybar) * nh / np.maximum(nh - 1, 1), point * (1 - point))
    fpc = 1 - nh / big_n
    variance = float(np.sum(w**2 * fpc * s2 / nh))
    return Proportion(point, max(variance, 0.0), n, int(has.sum()), int(y.sum()), int(covered))


def wilson(p: float, n_eff: float, z: float) -> tuple[float, float]:
    if n_eff <= 0:
        return 0.0, 1.0
    z2 = z * z
    denom = 1 + z2 / n_eff
    centre = (p + z2 / (2 * n_eff)) / denom
    half = z / denom * math.sqrt(max(p * (1 - p) / n_eff + z2 / (4 * n_eff * n_eff), 0.0))
    low, high = max(0.0, centre - half), min(1.0, centre + half)
    # Exact ends at 0 and 1 (rounding can leave 1e-17).
    if p <= 0:
        low = 0.0
    if p >= 1:
        high = 1.0
    return low, high


def interval(prop: Proportion, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(low, high, n_eff): Wilson on the effective sample size, t on n − H df."""
    if prop.n == 0:
        return 0.0, 1.0, 0.0
    p, v = prop.point, prop.variance
    n_eff = min(float(prop.n), p * (1 - p) / v) if v > 0 and 0 < p < 1 else float(prop.n)
    z = _t_quantile(confidence, max(prop.n - prop.strata, 1))
    low, high = wilson(p, n_eff, z)
    return low, high, n_eff


@lru_cache(maxsize=4096)
def _t_quantile(confidence: float, df: int) -> float:
    return float(stats.t.ppf(1 - (1 - confidence) / 2, df))


def wald(prop: Proportion, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The textbook interval p̂ ± z·√v̂, kept only to show in tests why it is not used."""
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    half = z * math.sqrt(prop.variance)
    return max(0.0, prop.point - half), min(1.0, prop.point + half)


def target_status(low: float, high: float, point: float, target: float, higher: bool) -> str:
    """ "met" only when the whole 95% interval is on the right side of the target."""
    if higher:
        if low >= target:
            return MET
        return NOT_ESTABLISHED if point >= target else NOT_MET
    if high < target:
        return MET
    return NOT_ESTABLISHED if point < target else NOT_MET


def estimate(
    strata: np.ndarray,
    y: np.ndarray,
    sizes: np.ndarray,
    *,
    target: float,
    higher_is_better: bool = False,
    confidence: float = CONFIDENCE,
) -> Estimate:
    prop = stratified_proportion(strata, y, sizes)
    low, high, n_eff = interval(prop, confidence)
    # Nothing surveyed: nothing is established, and there is no point estimate to meet.
    status = target_status(low, high, prop.point, target, higher_is_better) if prop.n else NOT_MET
    return Estimate(
        point=prop.point,
        low=low,
        high=high,
        n=prop.n,
        target=target,
        status=status,
        cases=prop.cases,
        population=prop.population,
        frame=int(np.asarray(sizes).sum()),
        n_eff=n_eff,
        higher_is_better=higher_is_better,
    )
