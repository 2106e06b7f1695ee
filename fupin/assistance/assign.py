"""Optimal assignment of unpaired households to cadres (结对帮扶的最优分配).

Each cadre is expanded into as many slots as the capacity they have left (key and contact
slots per their rank's quota, capped by the total limit). The cost of a household in a
slot is 0 in the cadre's own village, 1 in the same township, 3 in the same county;
other pairs are forbidden. `scipy.optimize.linear_sum_assignment` then finds the
assignment that pairs as many households as possible (forbidden costs exceed the sum of
all allowed ones) at the lowest total distance, which a greedy loop does not.

Forbidden pairs never cross a county, so the problem splits exactly into one block per
county. A county block larger than MAX_CELLS (a dense float matrix of households ×
slots) is solved per township first and its leftovers at county level: exact within
each township, no longer guaranteed optimal across them (stated in the result).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from fupin.assistance import choices as c

SAME_VILLAGE, SAME_TOWNSHIP, SAME_COUNTY = 0, 1, 3
MAX_CELLS = 40_000_000


def distance(home: str, village: str) -> int | None:
    """The cost of pairing a cadre living in `home` with a household of `village`."""
    if home == village:
        return SAME_VILLAGE
    if home[:9] == village[:9]:
        return SAME_TOWNSHIP
    if home[:6] == village[:6]:
        return SAME_COUNTY
    return None


@dataclass(frozen=True)
class Slot:
    cadre_id: int
    kind: str
    home: str


@dataclass
class Proposal:
    # (household_id, cadre_id, kind, cost)
    pairs: list[tuple[int, int, str, int]] = field(default_factory=list)
    uncovered: list[int] = field(default_factory=list)
    exact: bool = True

    @property
    def total_cost(self) -> int:
        return sum(p[3] for p in self.pairs)


def slots_for(
    *, cadre_id: int, home: str, quota: dict[str, int] | None, max_total: int, current: dict
) -> list[Slot]:
    """The free slots of one cadre given their current pairings by kind."""
    left = max(0, max_total - sum(current.values()))
    if quota is None:
        kinds = [c.PairingKind.CONTACT.value] * left
    else:
        key = max(0, quota["key"] - current.get(c.PairingKind.KEY, 0))
        contact = max(0, quota["contact"] - current.get(c.PairingKind.CONTACT, 0))
        key = min(key, left)
        contact = min(contact, left - key)
        kinds = [c.PairingKind.KEY.value] * key + [c.PairingKind.CONTACT.value] * contact
    return [Slot(cadre_id, k, home) for k in kinds]


def _codes(values: list[str], n: int) -> np.ndarray:
    """Integer labels of the first n digits of each code (equal prefix, equal label)."""
    _u, inverse = np.unique(np.array([v[:n] for v in values]), return_inverse=True)
    return inverse


def cost_matrix(villages: list[str], homes: list[str], forbidden: float) -> np.ndarray:
    """households × slots: 0 same village, 1 same township, 3 same county, else forbidden."""
    both = villages + homes
    k = len(villages)
    out = np.full((len(villages), len(homes)), forbidden)
    for n, value in ((6, SAME_COUNTY), (9, SAME_TOWNSHIP), (12, SAME_VILLAGE)):
        labels = _codes(both, n)
        out[labels[:k, None] == labels[None, k:]] = value
    return out


def _solve_block(households: list[tuple[int, str]], slots: list[Slot]) -> Proposal:
    out = Proposal()
    if not households:
        return out
    if not slots:
        out.uncovered = [h for h, _v in households]
        return out
    forbidden = float(SAME_COUNTY * len(households) + 1)
    cost = cost_matrix([v for _h, v in households], [s.home for s in slots], forbidden)
    rows, cols = linear_sum_assignment(cost)
    taken = set()
    for r, col in zip(rows, cols, strict=True):
        if cost[r, col] >= forbidden:
            continue
        s = slots[col]
        out.pairs.append((households[r][0], s.cadre_id, s.kind, int(cost[r, col])))
        taken.add(r)
    out.uncovered = [h for i, (h, _v) in enumerate(households) if i not in taken]
    return out


def solve(households: list[tuple[int, str]], slots: list[Slot]) -> Proposal:
    """Assign households (id, village code) to slots, one block per county."""
    by_county_h: dict[str, list] = defaultdict(list)
    by_county_s: dict[str, list] = defaultdict(list)
    for h in households:
        by_county_h[h[1][:6]].append(h)
    for s in slots:
        by_county_s[s.home[:6]].append(s)
    result = Proposal()
    for county, hs in sorted(by_county_h.items()):
        ss = by_county_s.get(county, [])
        if len(hs) * len(ss) <= MAX_CELLS:
            part = _solve_block(hs, ss)
        else:
            part = _solve_by_township(hs, ss)
        result.pairs += part.pairs
        result.uncovered += part.uncovered
        result.exact = result.exact and part.exact
    return result


def _solve_by_township(households, slots) -> Proposal:
    by_t_h: dict[str, list] = defaultdict(list)
    by_t_s: dict[str, list] = defaultdict(list)
    for h in households:
        by_t_h[h[1][:9]].append(h)
    for s in slots:
        by_t_s[s.home[:9]].append(s)
    out = Proposal(exact=False)
    used: set[int] = set()
    for township, hs in by_t_h.items():
        ss = by_t_s.get(township, [])
        part = _solve_block(hs, ss)
        out.pairs += part.pairs
        # Slots are interchangeable within a (cadre, kind): count what was used.
        used_count: dict[tuple[int, str], int] = defaultdict(int)
        for _h, cid, kind, _c in part.pairs:
            used_count[(cid, kind)] += 1
        for idx, s in enumerate(ss):
            if used_count[(s.cadre_id, s.kind)] > 0:
                used_count[(s.cadre_id, s.kind)] -= 1
                used.add(id(ss[idx]))
        out.uncovered += part.uncovered
    left_h = [h for h in households if h[0] in set(out.uncovered)]
    left_s = [s for s in slots if id(s) not in used]
    if left_h and left_s:
        part = _solve_block(left_h, left_s)
        out.pairs += part.pairs
        out.uncovered = part.uncovered
    return out
