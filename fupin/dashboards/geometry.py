"""Plane geometry for the schematic map: a county outline, Voronoi cells of village points
clipped to it, and townships as the union of their villages' cells.

There are no public, approved boundary polygons of Jianghua's townships and villages to
ship, so when no boundaries have been loaded (`fupin load-boundaries`) the dashboards draw
a schematic layer: deterministic points, one per village, grouped by township, their
Voronoi cells (scipy.spatial) clipped to a schematic county outline. The map says so.

Coordinates are (longitude, latitude)-like numbers so that ECharts' geo projection draws
the cells with sensible proportions; they mean nothing on the ground.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from scipy.cluster.vq import kmeans2
from scipy.spatial import Voronoi

Point = tuple[float, float]
Ring = list[Point]

DIGITS = 5  # rounding of coordinates: shared edges of two cells compare equal


def seed_of(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def county_outline(code: str, *, vertices: int = 72) -> Ring:
    """A star-shaped, irregular outline about 0.9° × 0.7° around a point derived from the
    county code (deterministic; counter-clockwise; first point not repeated)."""
    rng = np.random.default_rng(seed_of("outline:" + code))
    cx = 111.6 + (seed_of(code) % 100) / 1000
    cy = 25.1 + (seed_of(code[::-1]) % 100) / 1000
    theta = np.linspace(0, 2 * np.pi, vertices, endpoint=False)
    radius = np.ones(vertices)
    for k in range(2, 7):  # a few harmonics give a plausible, lumpy shape
        radius += rng.uniform(0.03, 0.12) / (k / 2) * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    x = cx + 0.45 * radius * np.cos(theta)
    y = cy + 0.35 * radius * np.sin(theta)
    return [(round(float(a), DIGITS), round(float(b), DIGITS)) for a, b in zip(x, y, strict=True)]


def signed_area(ring: Sequence[Point]) -> float:
    a = 0.0
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        a += x1 * y2 - x2 * y1
    return a / 2


def point_in_ring(x: np.ndarray, y: np.ndarray, ring: Sequence[Point]) -> np.ndarray:
    """Vectorised even-odd test of many points against one ring."""
    inside = np.zeros(x.shape, dtype=bool)
    n = len(ring)
    for i in range(n):
        x1, y1 = ring[i]
        x2, y2 = ring[(i + 1) % n]
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xs = (x2 - x1) * (y - y1) / (y2 - y1) + x1
        inside ^= crosses & (x < xs)
    return inside


def clip(subject: Sequence[Point], convex: Sequence[Point]) -> Ring:
    """Sutherland–Hodgman: the part of `subject` inside the convex, counter-clockwise
    polygon `convex`."""
    out: list[Point] = list(subject)
    n = len(convex)
    for i in range(n):
        if not out:
            break
        ax, ay = convex[i]
        bx, by = convex[(i + 1) % n]

        def side(p: Point, ax=ax, ay=ay, bx=bx, by=by) -> float:
            return (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax)

        def cut(p: Point, q: Point, ax=ax, ay=ay, bx=bx, by=by) -> Point:
            sp, sq = side(p), side(q)
            t = sp / (sp - sq)
            return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))

        src, out = out, []
        for j in range(len(src)):
            p, q = src[j - 1], src[j]
            if side(q) >= 0:
                if side(p) < 0:
                    out.append(cut(p, q))
                out.append(q)
            elif side(p) >= 0:
                out.append(cut(p, q))
    return _clean(out)


def _clean(ring: Sequence[Point]) -> Ring:
    result: Ring = []
    for x, y in ring:
        p = (round(x, DIGITS), round(y, DIGITS))
        if not result or result[-1] != p:
            result.append(p)
    while len(result) > 1 and result[0] == result[-1]:
        result.pop()
    if len(result) < 3 or abs(signed_area(result)) < 10 ** (-2 * DIGITS):
        return []
    if signed_area(result) < 0:
        result.reverse()
    return result


def sample_inside(ring: Ring, count: int, rng: np.random.Generator) -> np.ndarray:
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    points = np.empty((0, 2))
    while len(points) < count:
        x = rng.uniform(min(xs), max(xs), count * 2)
        y = rng.uniform(min(ys), max(ys), count * 2)
        keep = point_in_ring(x, y, ring)
        points = np.vstack([points, np.column_stack([x[keep], y[keep]])])
    return points[:count]


def village_points(outline: Ring, groups: Sequence[Sequence[str]], seed: int) -> np.ndarray:
    """One point per village (in the order of `groups` flattened), the villages of a group
    (township) close together: k-means of a dense sample of the county into townships,
    then of each township's share of the sample into its villages."""
    rng = np.random.default_rng(seed)
    total = sum(len(g) for g in groups)
    sample = sample_inside(outline, max(4000, 12 * total), rng)
    k = len(groups)
    if k == 1:
        labels = np.zeros(len(sample), dtype=int)
    else:
        _, labels = kmeans2(sample, k, seed=rng, minit="++", iter=20)
    # Larger townships (more villages) take the larger clusters.
    sizes = np.bincount(labels, minlength=k)
    cluster_order = np.argsort(-sizes, kind="stable")
    group_order = sorted(range(k), key=lambda i: (-len(groups[i]), i))
    cluster_of = {g: int(cluster_order[rank]) for rank, g in enumerate(group_order)}
    points = []
    for i, group in enumerate(groups):
        mine = sample[labels == cluster_of[i]]
        n = len(group)
        if n == 0:
            continue
        if len(mine) <= n:
            mine = np.vstack([mine, sample_inside(outline, n, rng)])
        if n == 1:
            centres = mine.mean(axis=0, keepdims=True)
        else:
            centres, _ = kmeans2(mine, n, seed=rng, minit="++", iter=20)
        # Order the villages inside a township from north-west to south-east.
        centres = centres[np.lexsort((centres[:, 0], -centres[:, 1]))]
        points.append(centres)
    return np.vstack(points)


def voronoi_cells(points: np.ndarray, outline: Ring) -> list[Ring]:
    """The Voronoi cell of each point clipped to the outline (same order as points)."""
    xs = [p[0] for p in outline]
    ys = [p[1] for p in outline]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) * 10
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    far = np.array(
        [
            [cx - span, cy - span],
            [cx + span, cy - span],
            [cx + span, cy + span],
            [cx - span, cy + span],
        ]
    )
    # Nudge exact duplicates apart so that every village keeps a cell.
    pts = points + np.arange(len(points))[:, None] * 1e-9
    vor = Voronoi(np.vstack([pts, far]))
    cells = []
    for i in range(len(points)):
        region = vor.regions[vor.point_region[i]]
        poly = [tuple(vor.vertices[v]) for v in region]
        if signed_area(poly) < 0:
            poly.reverse()
        cells.append(clip(outline, poly))
    return cells


def union(cells: Sequence[Ring]) -> list[Ring]:
    """Outer rings of the union of cells that share exact edges: edges seen in both
    directions are inner borders and cancel; the rest chain into rings."""
    edges: dict[Point, list[Point]] = defaultdict(list)
    seen: set[tuple[Point, Point]] = set()
    for ring in cells:
        for i in range(len(ring)):
            seen.add((ring[i], ring[(i + 1) % len(ring)]))
    for a, b in seen:
        if (b, a) not in seen:
            edges[a].append(b)
    rings: list[Ring] = []
    while edges:
        start = min(edges)
        ring = [start]
        current = start
        while True:
            nexts = edges.get(current)
            if not nexts:
                break
            nxt = nexts.pop()
            if not nexts:
                del edges[current]
            if nxt == start:
                break
            ring.append(nxt)
            current = nxt
        cleaned = _clean(ring)
        if cleaned:
            rings.append(cleaned)
    rings.sort(key=lambda r: -abs(signed_area(r)))
    return rings


def closed(ring: Ring) -> list[list[float]]:
    return [[x, y] for x, y in [*ring, ring[0]]]


def geometry(rings: Sequence[Ring]) -> dict:
    """GeoJSON geometry of outer rings (one → Polygon, several → MultiPolygon)."""
    rings = [r for r in rings if r]
    if len(rings) == 1:
        return {"type": "Polygon", "coordinates": [closed(rings[0])]}
    return {"type": "MultiPolygon", "coordinates": [[closed(r)] for r in rings]}
