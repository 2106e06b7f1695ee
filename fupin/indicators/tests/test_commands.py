"""`fupin indicators` and `fupin snapshot` through call_command."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from fupin.indicators.definitions import DEFINITIONS
from fupin.indicators.models import Snapshot


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_indicators_json(crafted):
    data = json.loads(
        run(
            "indicators",
            "--area",
            "431129",
            "--as-of",
            "2023-06-30",
            "--format",
            "json",
            "--depth",
            "2",
        )
    )
    assert data["as_of"] == "2023-06-30"
    nodes = {n["code"]: n for n in data["nodes"]}
    assert nodes["431129000000"]["values"]["poor_people"] == 9
    assert nodes["431129100201"]["values"]["poverty_incidence"] == 0.6
    assert data["definitions"]["poverty_incidence"]["unit"] == "percent"


def test_indicators_text_in_english(crafted):
    text = run("indicators", "--area", "431129100", "--as-of", "2023-06-30", "--lang", "en")
    assert "Poverty incidence" in text and "大坪村" in text


def test_indicators_xlsx(crafted, tmp_path):
    path = tmp_path / "i.xlsx"
    call_command(
        "indicators",
        "--area",
        "431129",
        "--as-of",
        "2023-06-30",
        "--format",
        "xlsx",
        "--out",
        str(path),
        "--depth",
        "2",
        stderr=StringIO(),
    )
    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[3]]
    col = header.index(str(DEFINITIONS["poverty_incidence"].label)) + 1
    assert sheet.cell(4, 1).value == "431129000000"
    assert sheet.cell(4, col).value == 0.75
    assert book.worksheets[1].max_row > 50  # definitions


def test_bad_input(crafted):
    with pytest.raises(CommandError):
        run("indicators", "--area", "999999")
    with pytest.raises(CommandError):
        run("indicators", "--area", "431129", "--as-of", "30/06/2023")
    with pytest.raises(CommandError):
        run("indicators", "--area", "431129", "--format", "xlsx")
    with pytest.raises(CommandError):
        run("indicators", "--area", "431129", "--snapshot", "4242")


def test_snapshot_commands(crafted):
    out = run(
        "snapshot",
        "create",
        "--as-of",
        "2023-06-30",
        "--area",
        "431129",
        "--user",
        "county",
        "--label",
        "2023 半年",
    )
    snap = Snapshot.objects.get()
    assert str(snap.pk) in out and snap.created_by_name == "county" and snap.label == "2023 半年"
    assert "2023-06-30" in run("snapshot", "list")
    assert str(snap.pk) in run("snapshot", "verify", str(snap.pk))
    data = json.loads(
        run("indicators", "--area", "431129", "--snapshot", str(snap.pk), "--format", "json")
    )
    assert data["snapshot"] == snap.pk and data["nodes"][0]["values"]["poor_people"] == 9
    with pytest.raises(CommandError):
        run("snapshot", "verify", "4242")
    with pytest.raises(CommandError):
        run("snapshot", "create", "--as-of", "2023-06-30", "--area", "431129", "--user", "village")


def test_snapshot_area_defaults_to_the_registry(crafted):
    run("snapshot", "create", "--as-of", "2023-06-30")
    assert Snapshot.objects.get().area_id == "431129000000"  # every household is in 江华
