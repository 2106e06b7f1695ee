"""Drawing the stratified household sample, reproducibly from a seed. Pure functions.

Strata are village × registration stratum. Each stratum draws its households with its own
random stream, seeded by (seed, village code, stratum number): the same seed and the same
frame give the same households, and adding or changing one village does not change what
any other village draws. Inside a stratum the frame is put in a fixed order first
(household id for registered households, roster position for the others), so the draw
does not depend on the order the database returns rows in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The registration strata, in a fixed order (their number seeds the random stream).
IN_POVERTY = "in_poverty"
EXITED = "exited"
NON_REGISTERED = "non_registered"
STRATA = (IN_POVERTY, EXITED, NON_REGISTERED)

# Households a village stratum surveys unless configured otherwise. About half the sample
# is registered, half not, as in the national county-exit checks.
DEFAULT_SIZES = {IN_POVERTY: 3, EXITED: 4, NON_REGISTERED: 6}
# A stratum with at least two households surveys at least two, so its variance can be
# estimated (a stratum of one is surveyed whole).
MIN_PER_STRATUM = 2


def allocation(population: int, wanted: int) -> int:
    """Households to survey in a stratum of `population` when `wanted` are asked for."""
    if population <= 0 or wanted <= 0:
        return 0
    return min(population, max(wanted, MIN_PER_STRATUM))


def stratum_rng(seed: int, village_code: str, stratum: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(village_code), STRATA.index(stratum)])


def draw(seed: int, village_code: str, stratum: str, population: int, size: int) -> np.ndarray:
    """Positions (0-based, in frame order) of the `size` households drawn from a stratum of
    `population`, in the order they were drawn (simple random sampling without
    replacement)."""
    if size > population:
        raise ValueError("sample larger than the stratum")
    if size == 0:
        return np.empty(0, dtype=np.int64)
    rng = stratum_rng(seed, village_code, stratum)
    return rng.permutation(population)[:size].astype(np.int64)


@dataclass(frozen=True)
class StratumDraw:
    village_code: str
    stratum: str
    population: int
    size: int
    positions: np.ndarray  # into the stratum's frame, in draw order


def draw_all(
    seed: int, populations: dict[tuple[str, str], int], sizes: dict[str, int]
) -> list[StratumDraw]:
    """Draw every stratum. populations: (village code, stratum) → N_h; sizes: stratum →
    households wanted per village."""
    out = []
    for (village, stratum), population in sorted(populations.items()):
        n = allocation(population, sizes.get(stratum, 0))
        out.append(
            StratumDraw(
                village, stratum, population, n, draw(seed, village, stratum, population, n)
            )
        )
    return out
