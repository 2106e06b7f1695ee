"""Assessment: how long drawing and estimating take, from a county to a province.

Pure functions only (no database): `sampling.draw_all` over a frame of V villages with
the default sizes, then the four stratified estimates with their intervals. The database
part of a draw on the demo county (≈4,000 households, history included) is measured by
`fupin demo` (the assessment demo logs its time).

    .venv/bin/python bench/assessment.py [--villages 300 3000 30000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from fupin.assessment import estimators as E
from fupin.assessment import sampling as S


def frame(villages: int, seed: int = 1) -> dict[tuple[str, str], int]:
    rng = np.random.default_rng(seed)
    out = {}
    for v in range(villages):
        code = f"43{v // 1000:04d}{v % 1000:03d}200"[:12].ljust(12, "0")
        out[(code, S.IN_POVERTY)] = int(rng.integers(1, 60))
        out[(code, S.EXITED)] = int(rng.integers(5, 150))
        out[(code, S.NON_REGISTERED)] = int(rng.integers(50, 500))
    return out


def run(villages: int) -> None:
    pops = frame(villages)
    t0 = time.perf_counter()
    draws = S.draw_all(2017, pops, S.DEFAULT_SIZES)
    t1 = time.perf_counter()
    rng = np.random.default_rng(2)
    n_units = sum(d.size for d in draws)
    for domain in (S.IN_POVERTY, S.EXITED, S.NON_REGISTERED, None):
        ds = [d for d in draws if domain is None or d.stratum == domain]
        st = np.concatenate([np.full(d.size, i) for i, d in enumerate(ds)])
        y = (rng.random(st.size) < 0.03).astype(float)
        E.estimate(st, y, np.array([d.population for d in ds], float), target=0.02)
    t2 = time.perf_counter()
    print(
        f"{villages:>6,} villages, {sum(pops.values()):>11,} households in the frame, "
        f"{n_units:>8,} drawn: draw {t1 - t0:6.2f} s ({n_units / (t1 - t0):,.0f} households/s), "
        f"four estimates {t2 - t1:6.3f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villages", type=int, nargs="+", default=[300, 3000, 30000])
    args = parser.parse_args()
    for v in args.villages:
        run(v)


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    django.setup()
    main()
