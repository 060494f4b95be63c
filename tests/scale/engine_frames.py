"""Small tables for the engine tests (imported as ``engine_frames``; not a package)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Hand-made rows: ties at 2.0 (an event and a censoring in A, two events in B), a competing
# event, and one row per broken rule.
HAND_ROWS = [
    # site, group, time, event, competing
    ("s1", "A", "2.0", "1", "0"),
    ("s1", "A", "2.0", "0", "0"),
    ("s1", "A", "3.5", "0", "1"),
    ("s1", "B", "2.0", "1", "0"),
    ("s1", "B", "2.0", "true", "0"),
    ("s2", "A", " 1 ", "0", "0"),
    ("s2", "A", "1", "1", "1"),  # event of interest wins over the competing flag
    ("", "A", "1", "1", "0"),  # site: missing
    ("s1", "  ", "1", "1", "0"),  # group: missing
    ("s1", "A", "", "1", "0"),  # time: missing
    ("s1", "A", "-1", "1", "0"),  # time: invalid
    ("s1", "A", "abc", "1", "0"),  # time: invalid
    ("s1", "A", "inf", "0", "0"),  # time: invalid
    ("s1", "A", "4", "2", "0"),  # event: invalid
    ("s1", "A", "4", None, "0"),  # event: missing
    ("s1", "A", "4", "0", "maybe"),  # competing: invalid
    ("s1", "A", "4", "0", ""),  # competing: missing
]


def hand_frame() -> pd.DataFrame:
    return pd.DataFrame(HAND_ROWS, columns=["site", "group", "time", "event", "competing"])


def durations_frame(n: int = 400, *, seed: int = 7, sites: int = 3, dirty: bool = True) -> pd.DataFrame:
    """A durations-form cohort with ties (times on a coarse grid), blanks and ineligible rows."""
    rng = np.random.default_rng(seed)
    ti = np.round(rng.gamma(2.0, 1.2, n), 1)
    lc = np.round(rng.exponential(14.0, n), 0) / 2
    os_ = np.maximum(lc, np.round(rng.exponential(18.0, n), 0) / 2)
    frame = pd.DataFrame(
        {
            "patient_id": [f"P{i:05d}" for i in range(n)],
            "site": rng.choice([f"site{k}" for k in range(1, sites + 1)], n),
            "ti_months": ti,
            "prert_progression": rng.random(n) < 0.25,
            "lc_months": lc,
            "lc_event": (rng.random(n) < 0.2).astype(int),
            "os_months": os_,
            "os_event": (rng.random(n) < 0.5).astype(int),
            "surgery_type": rng.choice(["separation", "decompression", "vertebrectomy", "vertebroplasty"], n,
                                       p=[0.4, 0.3, 0.25, 0.05]),
            "rt_technique": rng.choice(["SBRT", "IMRT", "cEBRT"], n, p=[0.5, 0.45, 0.05]),
            "surgery_at_site": rng.random(n) > 0.03,
            "rt_at_site": rng.random(n) > 0.03,
            "seed_implantation": rng.random(n) < 0.03,
        }
    )
    if dirty:
        frame = frame.astype({"prert_progression": object, "lc_months": object, "os_event": object})
        frame.loc[rng.random(n) < 0.03, "prert_progression"] = None
        frame.loc[rng.random(n) < 0.02, "lc_months"] = None
        frame.loc[rng.random(n) < 0.01, "lc_months"] = -2.0
        frame.loc[rng.random(n) < 0.02, "os_event"] = None
    return frame


def assert_same(a, b) -> None:
    """Two aggregations give identical count frames and rejections."""
    pd.testing.assert_frame_equal(a.counts, b.counts, check_exact=True)
    pd.testing.assert_frame_equal(a.rejected, b.rejected, check_exact=True)
    assert a.n_rows == b.n_rows
