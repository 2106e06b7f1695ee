"""The map layers: the schematic layer's geometry, and loading real boundaries."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from conftest import NEIGHBOUR, VILLAGE
from fupin.core.models import ChangeRecord
from fupin.dashboards import geometry as G
from fupin.dashboards import maps
from fupin.dashboards.models import Boundary

from .conftest import COUNTY, TOWNSHIP

SQUARE = [[111.0, 25.0], [111.1, 25.0], [111.1, 25.1], [111.0, 25.1], [111.0, 25.0]]


def _groups(townships: int, villages: int) -> list[list[str]]:
    return [[f"{t:03d}{v:03d}" for v in range(villages)] for t in range(townships)]


def test_cells_cover_the_outline_once_and_every_village_has_one():
    outline = G.county_outline("431129000000")
    groups = _groups(16, 19)
    points = G.village_points(outline, groups, seed=1)
    cells = G.voronoi_cells(points, outline)
    assert len(cells) == 16 * 19
    assert all(len(c) >= 3 for c in cells)
    total = sum(abs(G.signed_area(c)) for c in cells)
    assert total == pytest.approx(abs(G.signed_area(outline)), rel=1e-6)


def test_a_township_is_the_union_of_its_villages_cells():
    outline = G.county_outline("431129000000")
    groups = _groups(5, 8)
    cells = G.voronoi_cells(G.village_points(outline, groups, seed=7), outline)
    for t in range(5):
        mine = cells[t * 8 : (t + 1) * 8]
        rings = G.union(mine)
        assert len(rings) == 1  # one piece: its villages lie together
        assert abs(G.signed_area(rings[0])) == pytest.approx(
            sum(abs(G.signed_area(c)) for c in mine), rel=1e-6
        )


def test_the_schematic_layer_is_deterministic(tree):
    first = maps.schematic_cells(COUNTY)
    maps._SCHEMATIC.clear()
    assert maps.schematic_cells(COUNTY) == first
    assert set(first) >= {TOWNSHIP, VILLAGE, NEIGHBOUR}


def test_clip_keeps_the_part_inside():
    square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0)]
    half = [(1.0, -1.0), (3.0, -1.0), (3.0, 3.0), (1.0, 3.0)]
    assert abs(G.signed_area(G.clip(square, half))) == pytest.approx(2.0)


def _collection(features):
    return json.dumps({"type": "FeatureCollection", "features": features})


def _feature(code, ring=SQUARE):
    return {
        "type": "Feature",
        "properties": {"code": code},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_loaded_boundaries_replace_the_schematic_and_are_recorded(login, registry, tmp_path):
    path = tmp_path / "towns.geojson"
    path.write_text(_collection([_feature(TOWNSHIP), _feature("431129103000")]), encoding="utf-8")
    call_command("load_boundaries", str(path), "--user", "county")
    assert Boundary.objects.count() == 2
    records = ChangeRecord.objects.filter(object_type="dashboards.boundary")
    assert records.count() == 2 and {r.user_name for r in records} == {"county"}
    data = login("county").get(reverse("dashboards:map", args=[COUNTY])).json()
    assert data["schematic"] is False and data["source"] == "towns.geojson"
    assert data["geojson"]["features"][0]["geometry"]["coordinates"] == [SQUARE]
    html = login("county").get(reverse("dashboards:area", args=[COUNTY])).content.decode()
    assert 'class="schematic-note hidden"' in html
    # A township whose villages have no boundaries still draws the schematic.
    assert login("county").get(reverse("dashboards:map", args=[TOWNSHIP])).json()["schematic"]
    # Loading the same file again changes nothing and records nothing.
    call_command("load_boundaries", str(path))
    assert ChangeRecord.objects.filter(object_type="dashboards.boundary").count() == 2


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ([_feature("4311291")], "12-digit"),
        ([_feature("431129999999")], "does not exist"),
        ([_feature(TOWNSHIP, ring=[[1, 2], [3, 4]])], "Polygon"),
        ([_feature(TOWNSHIP), _feature(TOWNSHIP)], "twice"),
    ],
)
def test_a_bad_file_loads_nothing(tree, tmp_path, features, message):
    good = _feature("431129103000")
    path = tmp_path / "bad.geojson"
    path.write_text(_collection([good, *features]), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_boundaries", str(path))
    assert Boundary.objects.count() == 0
    with translation.override("en"):
        result = maps.load_boundaries(actor=None, text=path.read_text(), source="bad.geojson")
    assert any(message in e for e in result.errors), result.errors


def test_boundaries_outside_the_users_area_are_refused(users):
    text = _collection([_feature("431128100000"), _feature(TOWNSHIP)])
    result = maps.load_boundaries(actor=users["county"], text=text, source="x")
    assert result.errors and Boundary.objects.count() == 0


def test_not_json_is_a_clear_error(tree):
    with translation.override("en"):
        result = maps.load_boundaries(actor=None, text="{nope", source="x")
    assert result.errors and "JSON" in result.errors[0]
