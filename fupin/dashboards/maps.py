"""Map layers for the dashboards: loaded boundaries when there are any, otherwise a
schematic layer generated from the division tree (see geometry.py), clearly labelled.

`fupin load-boundaries FILE.geojson` loads a FeatureCollection whose features carry a
12-digit division code in `properties.code` (townships, villages, or the county's own
outline). Loading is all or nothing and recorded in history like any other change.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core.history import build_change, bulk_record, snapshot
from fupin.core.models import ChangeAction
from fupin.core.scope import user_covers
from fupin.dashboards import geometry as G
from fupin.dashboards.models import Boundary
from fupin.geo.models import Division, Level

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")


# ------------------------------------------------------------------ loading boundaries


@dataclass
class BoundaryLoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def _valid_ring(ring: Any) -> bool:
    if not isinstance(ring, list) or len(ring) < 4:
        return False
    for point in ring:
        if not isinstance(point, list) or len(point) < 2:
            return False
        for v in point[:2]:
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                return False
    return True


def _valid_geometry(geom: Any) -> bool:
    if not isinstance(geom, dict) or geom.get("type") not in GEOMETRY_TYPES:
        return False
    coords = geom.get("coordinates")
    polygons = [coords] if geom["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        return False
    return all(isinstance(p, list) and p and all(_valid_ring(r) for r in p) for p in polygons)


def parse_boundaries(text: str) -> tuple[dict[str, dict], list[str]]:
    """(code → geometry, errors) from GeoJSON text."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return {}, [_("The file is not valid JSON: %(error)s") % {"error": exc}]
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return {}, [_("The file must hold a GeoJSON FeatureCollection.")]
    features = data.get("features")
    if not isinstance(features, list) or not features:
        return {}, [_("The FeatureCollection has no features.")]
    found: dict[str, dict] = {}
    errors: list[str] = []
    for i, feature in enumerate(features, start=1):
        props = (feature or {}).get("properties") or {}
        code = str(props.get("code", "")).strip()
        if len(code) != 12 or not code.isdigit():
            errors.append(
                _("Feature %(n)s: properties.code must be a 12-digit division code, not %(code)r.")
                % {"n": i, "code": code}
            )
            continue
        if not _valid_geometry(feature.get("geometry")):
            errors.append(
                _(
                    "Feature %(n)s (%(code)s): the geometry must be a Polygon or MultiPolygon of "
                    "closed rings of numbers."
                )
                % {"n": i, "code": code}
            )
            continue
        if code in found:
            errors.append(_("Feature %(n)s: code %(code)s appears twice.") % {"n": i, "code": code})
            continue
        found[code] = feature["geometry"]
    return found, errors


def load_boundaries(*, actor, text: str, source: str) -> BoundaryLoadResult:
    """Load boundaries from GeoJSON text. All or nothing: any bad feature, an unknown
    division code or one outside the actor's area refuses the whole file."""
    result = BoundaryLoadResult()
    found, result.errors = parse_boundaries(text)
    if found:
        known = set(Division.objects.filter(code__in=list(found)).values_list("code", flat=True))
        for code in found:
            if code not in known:
                result.errors.append(_("Division %(code)s does not exist.") % {"code": code})
            elif actor is not None and not user_covers(actor, code):
                result.errors.append(_("Division %(code)s is outside your area.") % {"code": code})
    if result.errors:
        return result
    now = timezone.now()
    source = source[-200:]
    with transaction.atomic():
        existing = {b.code: b for b in Boundary.objects.filter(code__in=list(found))}
        records = []
        new: list[Boundary] = []
        for code, geom in found.items():
            b = existing.get(code)
            if b is None:
                b = Boundary(code=code, geometry=geom, source=source, loaded_at=now)
                new.append(b)
                result.created += 1
                records.append(
                    build_change(
                        actor=actor,
                        instance=b,
                        action=ChangeAction.CREATE,
                        before=None,
                        area_code=code,
                        reason=_("Boundaries loaded from %(source)s") % {"source": source},
                        time=now,
                    )
                )
            elif b.geometry != geom:
                before = snapshot(b)
                b.geometry, b.source, b.loaded_at = geom, source, now
                b.save(update_fields=["geometry", "source", "loaded_at"])
                result.updated += 1
                records.append(
                    build_change(
                        actor=actor,
                        instance=b,
                        action=ChangeAction.UPDATE,
                        before=before,
                        area_code=code,
                        reason=_("Boundaries loaded from %(source)s") % {"source": source},
                        time=now,
                    )
                )
            else:
                result.unchanged += 1
        Boundary.objects.bulk_create(new)
        bulk_record(records)
    _SCHEMATIC.clear()
    return result


# ------------------------------------------------------------------ layers


@dataclass
class MapLayer:
    """What the page registers with echarts.registerMap: a FeatureCollection whose
    features are named by division code (`properties.name`), with the division's name in
    `properties.label`."""

    key: str
    geojson: dict
    schematic: bool
    source: str = ""


_SCHEMATIC: dict[tuple[str, str], dict[str, G.Ring | list[G.Ring]]] = {}
_LOCK = threading.Lock()


def _county_divisions(county_code: str) -> list[tuple[str, str, int]]:
    prefix = county_code[:6]
    return list(
        Division.objects.in_area(prefix)
        .filter(level__in=[Level.TOWNSHIP, Level.VILLAGE])
        .order_by("code")
        .values_list("code", "name", "level")
    )


def _outline(county_code: str) -> G.Ring:
    loaded = Boundary.objects.filter(code=county_code).first()
    if loaded is not None:
        geom = loaded.geometry
        polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        rings = [[(float(p[0]), float(p[1])) for p in poly[0][:-1]] for poly in polygons]
        ring = G._clean(max(rings, key=lambda r: abs(G.signed_area(r))))
        if ring:
            return ring
    return G.county_outline(county_code)


def schematic_cells(county_code: str) -> dict[str, list[G.Ring]]:
    """Division code → outer rings, for every township and village of the county.
    Deterministic from the codes; cached per set of codes."""
    divisions = _county_divisions(county_code)
    digest = hashlib.sha1(
        "|".join(c for c, _n, _l in divisions).encode(), usedforsecurity=False
    ).hexdigest()
    key = (county_code, digest)
    with _LOCK:
        cached = _SCHEMATIC.get(key)
    if cached is not None:
        return cached  # type: ignore[return-value]
    townships = [c for c, _n, level in divisions if level == Level.TOWNSHIP]
    villages: dict[str, list[str]] = {t: [] for t in townships}
    for code, _n, level in divisions:
        if level == Level.VILLAGE and code[:9].ljust(12, "0") in villages:
            villages[code[:9].ljust(12, "0")].append(code)
    # A township without villages still gets one cell of its own.
    groups = [villages[t] or [t] for t in townships]
    cells: dict[str, list[G.Ring]] = {}
    if groups:
        outline = _outline(county_code)
        points = G.village_points(outline, groups, G.seed_of(county_code))
        flat = [code for g in groups for code in g]
        rings = G.voronoi_cells(points, outline)
        for code, ring in zip(flat, rings, strict=True):
            cells[code] = [ring] if ring else []
        for township, group in zip(townships, groups, strict=True):
            if group != [township]:
                cells[township] = G.union([cells[c][0] for c in group if cells[c]])
    with _LOCK:
        _SCHEMATIC[key] = cells  # type: ignore[assignment]
    return cells


def all_loaded(codes: list[str]) -> bool:
    """Whether every one of these divisions has a loaded boundary (else: schematic)."""
    return bool(codes) and Boundary.objects.filter(code__in=codes).count() == len(codes)


def layer(*, codes: list[tuple[str, str]], county_code: str) -> MapLayer:
    """The map of these divisions (code, name): loaded boundaries if every one has
    one, else the schematic layer."""
    wanted = [c for c, _n in codes]
    loaded = {b.code: b for b in Boundary.objects.filter(code__in=wanted)}
    schematic = not wanted or len(loaded) < len(wanted)
    features = []
    if schematic:
        cells = schematic_cells(county_code)
        for code, name in codes:
            rings = cells.get(code) or []
            if rings:
                features.append(_feature(code, name, G.geometry(rings)))
        source = ""
    else:
        for code, name in codes:
            features.append(_feature(code, name, loaded[code].geometry))
        source = ", ".join(sorted({b.source for b in loaded.values() if b.source}))
    digest = hashlib.sha1("|".join(wanted).encode(), usedforsecurity=False).hexdigest()[:10]
    return MapLayer(
        key=f"fupin-{'schematic' if schematic else 'loaded'}-{digest}",
        geojson={"type": "FeatureCollection", "features": features},
        schematic=schematic,
        source=source,
    )


def _feature(code: str, name: str, geom: dict) -> dict:
    return {
        "type": "Feature",
        "properties": {"name": code, "label": name},
        "geometry": geom,
    }
