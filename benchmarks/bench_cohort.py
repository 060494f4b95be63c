"""Benchmark: load + validate + derive a 100,000-row valid cohort csv (goal: under 5 s).

Run: ``.venv/bin/python benchmarks/bench_cohort.py [n_rows]``. The cohort is generated with a
fixed seed; timings are printed per step.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def make_cohort(n: int, seed: int = 20210122) -> pd.DataFrame:
    """A valid cohort of ``n`` rows in the data dictionary's columns (dates as ISO text)."""
    rng = np.random.default_rng(seed)
    day = np.timedelta64(1, "D")
    surgery = np.datetime64("2005-01-01") + rng.integers(0, 6000, n) * day
    ti_days = rng.integers(7, 300, n)
    rt = surgery + ti_days * day
    postop = surgery + rng.integers(0, 4, n) * day
    prert = rt - rng.integers(0, 5, n) * day
    prert = np.maximum(prert, postop)
    last_img = rt + rng.integers(0, 700, n) * day
    lp_given = rng.random(n) < 0.3
    lp = rt + rng.integers(1, 700, n) * day
    lp = np.minimum(lp, last_img + day)
    last_fu = np.maximum(last_img, lp) + rng.integers(0, 200, n) * day
    died = rng.random(n) < 0.4
    iso = lambda a: pd.Series(a.astype("datetime64[D]").astype(str))  # noqa: E731
    sins_parts = {
        "sins_location": rng.choice([0, 1, 2, 3], n),
        "sins_pain": rng.choice([0, 1, 3], n),
        "sins_lesion": rng.choice([0, 1, 2], n),
        "sins_alignment": rng.choice([0, 2, 4], n),
        "sins_collapse": rng.choice([0, 1, 2, 3], n),
        "sins_posterolateral": rng.choice([0, 1, 3], n),
    }
    sins = sum(sins_parts.values())
    frame = pd.DataFrame(
        {
            "patient_id": [f"P{i:06d}" for i in range(1, n + 1)],
            "age": rng.integers(18, 90, n).astype(str),
            "sex": rng.choice(["male", "female", "M", "F"], n),
            "histology": rng.choice(["renal", "lung", "breast", "prostate", "kidney", "NSCLC"], n),
            "index_level": rng.choice(["T11-L1", "L3", "C5", "T7", "S1"], n),
            "escc_grade": rng.choice(["0", "1a", "1b", "1c", "2", "3"], n),
            "sins": sins.astype(str),
            **{k: v.astype(str) for k, v in sins_parts.items()},
            "tomita": rng.integers(2, 11, n).astype(str),
            "tokuhashi": rng.integers(0, 16, n).astype(str),
            "surgery_date": iso(surgery),
            "surgery_type": rng.choice(["separation", "decompression", "vertebroplasty"], n),
            "surgery_at_site": rng.choice(["true", "false", "yes"], n),
            "postop_mri_date": iso(postop),
            "rt_start_date": iso(rt),
            "rt_technique": rng.choice(["SBRT", "IMRT", "cEBRT"], n),
            "rt_dose_gy": rng.choice(["30", "35", "24.5"], n),
            "rt_fractions": rng.choice(["5", "10", "1"], n),
            "rt_at_site": rng.choice(["true", "1"], n),
            "seed_implantation": rng.choice(["false", "0", "no"], n),
            "prert_mri_date": iso(prert),
            "prert_progression": rng.choice(["true", "false"], n),
            "local_progression_date": iso(lp).where(lp_given, ""),
            "last_imaging_date": iso(last_img),
            "death_date": iso(last_fu).where(died, ""),
            "last_followup_date": iso(last_fu),
            "kps_pre": (rng.integers(1, 11, n) * 10).astype(str),
            "nrs_pre": rng.integers(0, 11, n).astype(str),
        }
    )
    return frame


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    from rtdelay.cohort import derive_cohort, validate_cohort

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cohort.csv"
        make_cohort(n).to_csv(path, index=False)
        t0 = time.perf_counter()
        try:
            from rtdelay.cohort import load_table

            raw = load_table(path)
            how = "load_table"
        except (ImportError, AttributeError, ModuleNotFoundError):
            raw = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
            how = "pandas.read_csv"
        t1 = time.perf_counter()
        result = validate_cohort(raw)
        t2 = time.perf_counter()
        derived = derive_cohort(result.valid)
        t3 = time.perf_counter()
    assert result.n_rejected == 0, result.issues[:3]
    assert len(derived) == n
    print(f"rows: {n}")
    print(f"load ({how}): {t1 - t0:.2f} s")
    print(f"validate: {t2 - t1:.2f} s")
    print(f"derive: {t3 - t2:.2f} s")
    print(f"total: {t3 - t0:.2f} s (goal < 5 s)")


if __name__ == "__main__":
    main()
