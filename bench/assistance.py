"""Time the optimal cadre–household assignment for a prefecture-sized problem.

    .venv/bin/python bench/assistance.py [--households 50000] [--cadres 12000] [--counties 10]

No database: synthetic codes (counties × 10 townships × 10 villages), cadres of mixed
ranks (county-level 2+2, section-level 1+2, others 5). A dense matrix for the whole
prefecture (50,000 × ~50,000 slots, 8 bytes a cell ≈ 20 GB) is out of the question; the
problem splits exactly by county because cross-county pairs are forbidden, so each
county block (≈5,000 × 5,000 ≈ 200 MB) is solved on its own. A county block larger
than assign.MAX_CELLS is solved per township (then leftovers at county level), which is
no longer guaranteed optimal; the script says which. Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fupin.assistance import assign

QUOTAS = {"county": {"key": 2, "contact": 2}, "section": {"key": 1, "contact": 2}}


def village_code(county: int, township: int, village: int) -> str:
    return f"4311{county + 20:02d}{township + 100:03d}{village + 200:03d}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=50_000)
    ap.add_argument("--cadres", type=int, default=12_000)
    ap.add_argument("--counties", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    def place() -> str:
        return village_code(rng.randrange(args.counties), rng.randrange(10), rng.randrange(10))

    households = [(i, place()) for i in range(args.households)]
    slots: list[assign.Slot] = []
    for cid in range(args.cadres):
        r = rng.random()
        rank = "county" if r < 0.05 else "section" if r < 0.3 else "ordinary"
        slots += assign.slots_for(
            cadre_id=cid, home=place(), quota=QUOTAS.get(rank), max_total=5, current={}
        )
    print(
        f"{len(households):,} households, {args.cadres:,} cadres, {len(slots):,} slots, "
        f"{args.counties} counties"
    )
    began = time.perf_counter()
    result = assign.solve(households, slots)
    seconds = time.perf_counter() - began
    costs = [p[3] for p in result.pairs]
    print(f"assignment: {seconds:.2f} s ({'optimal' if result.exact else 'per township'})")
    print(
        f"paired {len(result.pairs):,}, uncovered {len(result.uncovered):,}, "
        f"same village {costs.count(0):,}, same township {costs.count(1):,}, "
        f"same county {costs.count(3):,}"
    )


if __name__ == "__main__":
    main()
