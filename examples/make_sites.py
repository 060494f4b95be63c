"""Split the synthetic demo cohort into three hospitals' files, for the multi-site guide.

Usage::

    python examples/make_sites.py rtdelay-demo/cohort.csv examples/sites

reads the demo cohort (``rtdelay demo`` writes it as ``rtdelay-demo/cohort.csv``) and writes
``site_A.csv``, ``site_B.csv`` and ``site_C.csv`` into the folder: the patients dealt in turn
to A, B, C in the order of the file (deterministic). The rows are synthetic, not patient data.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

SITES = ("A", "B", "C")


def main(source: str, folder: str) -> None:
    with open(source, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for index, site in enumerate(SITES):
        mine = rows[index :: len(SITES)]
        with open(out / f"site_{site}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(mine)
        print(f"site {site}: {len(mine)} patients -> {out / f'site_{site}.csv'}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python examples/make_sites.py DEMO_COHORT.csv FOLDER")
    main(sys.argv[1], sys.argv[2])
