"""Helpers of the ledgers' workbook tests."""

from __future__ import annotations

import csv


def write_csv(tmp_path, name, head, rows):
    """A CSV file of `rows` under the header row `head` (column codes or headers)."""
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    return path
