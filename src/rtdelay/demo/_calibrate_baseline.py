"""Calibration block: baseline characteristics and the three prognostic scores.

Targets: ``age_mean_sd``, ``histology_counts``, ``location_counts``, ``escc_counts``,
``rt_technique_counts`` and ``rt_median_dose_gy_fractions``. Counts are laid out exactly; ages
come from an annealed search on integers (mean and SD as printed). Histologies the article does
not count, the other spinal regions and ESCC grades are spread plausibly.

Scores (DOMAIN.md sections 1-3) are drawn component by component so that every total equals
the sum of its components: the SINS location item follows the index level; the Tomita growth
class and the Tokuhashi primary-site points follow the histology; the Tokuhashi KPS item follows
the preoperative KPS, the palsy item the preoperative mobility; Tomita's visceral and bone items
agree with Tokuhashi's organ, extraspinal and vertebral items.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from rtdelay.demo._evaluate import mean_sd
from rtdelay.demo._search import anneal, band_loss

__all__ = ["HISTOLOGY_POINTS", "OTHER_HISTOLOGY", "baseline_frame", "sins_location_points"]

# histology -> (Tomita growth points, Tokuhashi primary-site points), DOMAIN.md sections 2-3
HISTOLOGY_POINTS: dict[str, tuple[int, int]] = {
    "renal": (2, 3),
    "lung": (4, 0),
    "breast": (1, 5),
    "thyroid": (1, 5),
    "prostate": (1, 5),
    "liver": (4, 1),
    "gastric": (4, 0),
    "esophageal": (4, 0),
    "pancreatic": (4, 0),
    "unknown_primary": (4, 1),
    "gynecologic": (2, 3),
}
# the 37 patients whose primaries the article does not count
OTHER_HISTOLOGY: dict[str, int] = {
    "thyroid": 7, "liver": 7, "prostate": 6, "unknown_primary": 6, "gynecologic": 4,
    "gastric": 3, "esophageal": 2, "pancreatic": 2,
}
OTHER_LOCATIONS: dict[str, int] = {"lumbar": 33, "cervical": 12, "sacral": 8}
OTHER_ESCC: dict[str, int] = {"1c": 6, "1b": 2}
LEVELS: dict[str, list[str]] = {
    "cervical": [f"C{i}" for i in range(2, 8)],
    "thoracic": [f"T{i}" for i in range(1, 13)],
    "lumbar": [f"L{i}" for i in range(1, 6)],
    "sacral": ["S1", "S2"],
}
# prescriptions (dose Gy, fractions, how many); medians 35/5 and 30/10 as printed
PRESCRIPTIONS: dict[str, list[tuple[float, int, int]]] = {
    "SBRT": [(35.0, 5, 34), (30.0, 5, 10), (40.0, 5, 10), (24.0, 3, 5), (30.0, 3, 5)],
    "IMRT": [(30.0, 10, 15), (40.0, 20, 4), (36.0, 12, 3), (25.0, 5, 3)],
}
FEMALE_ONLY = {"breast", "gynecologic"}
MALE_ONLY = {"prostate"}


def sins_location_points(level: str) -> int:
    """SINS location item for a single level (junctional 3, mobile 2, semi-rigid 1, rigid 0)."""
    region, num = level[0], int(level[1:])
    if (region == "C" and (num <= 2 or num == 7)) or (region == "T" and (num <= 2 or num >= 11)):
        return 3
    if (region == "L" and num in (1, 5)) or (region == "S" and num == 1):
        return 3
    if (region == "C" and 3 <= num <= 6) or (region == "L" and 2 <= num <= 4):
        return 2
    if region == "T":
        return 1
    return 0


def _counts_vector(counts: dict[str, int], n: int, rng: np.random.Generator) -> NDArray[Any]:
    labels = [k for k, c in counts.items() for _ in range(int(c))]
    if len(labels) != n:
        raise ValueError(f"counts add up to {len(labels)}, expected {n}")
    return rng.permutation(np.array(labels, dtype=object))


def _ages(targets: dict[str, Any], n: int, rng: np.random.Generator) -> NDArray[np.int64]:
    mean, sd = (float(x) for x in targets["age_mean_sd"])
    start = np.clip(np.round(rng.normal(mean, sd, size=n)), 22, 85).astype(np.int64)

    def loss(v: NDArray[np.int64]) -> float:
        m, s = mean_sd(v)
        return band_loss(m, mean, 1, margin=0.9, penalty=1.0) + band_loss(s, sd, 1, margin=0.9, penalty=1.0)

    def propose(v: NDArray[np.int64], g: np.random.Generator) -> NDArray[np.int64] | None:
        new = v.copy()
        i = int(g.integers(0, n))
        new[i] += int(g.choice([-3, -2, -1, 1, 2, 3]))
        return new if 18 <= new[i] <= 90 else None

    best, _ = anneal(start, loss, propose, rng, max_iter=20000, stop_loss=0.0)
    return best


def baseline_frame(
    targets: dict[str, Any],
    n: int,
    fixed_histology: dict[int, str],
    kps_pre: NDArray[np.int64],
    mobility_pre: NDArray[np.int64],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Demographic, tumour, spine, score and prescription columns of the eligible patients."""
    hist_counts = {k: int(v) for k, v in targets["histology_counts"].items()}
    for k, v in OTHER_HISTOLOGY.items():
        hist_counts[k] = hist_counts.get(k, 0) + v
    for h in fixed_histology.values():
        hist_counts[h] -= 1
    free = [i for i in range(n) if i not in fixed_histology]
    histology = np.empty(n, dtype=object)
    histology[free] = _counts_vector(hist_counts, len(free), rng)
    for i, h in fixed_histology.items():
        histology[i] = h

    loc_counts = {k: int(v) for k, v in targets["location_counts"].items()} | OTHER_LOCATIONS
    location = _counts_vector(loc_counts, n, rng)
    level = np.array([str(rng.choice(LEVELS[loc])) for loc in location], dtype=object)
    escc = _counts_vector({k: int(v) for k, v in targets["escc_counts"].items()} | OTHER_ESCC, n, rng)

    technique = _counts_vector({k: int(v) for k, v in targets["rt_technique_counts"].items()}, n, rng)
    dose = np.zeros(n)
    fractions = np.zeros(n, dtype=np.int64)
    for tech, plan in PRESCRIPTIONS.items():
        rows = np.flatnonzero(technique == tech)
        items = rng.permutation([(d, f) for d, f, k in plan for _ in range(k)])
        if len(items) != rows.size:
            raise ValueError(f"{tech}: {len(items)} prescriptions for {rows.size} patients")
        dose[rows], fractions[rows] = items[:, 0], items[:, 1].astype(np.int64)

    sex = np.where(rng.random(n) < 0.6, "male", "female").astype(object)
    sex[np.isin(histology, list(FEMALE_ONLY))] = "female"
    sex[np.isin(histology, list(MALE_ONLY))] = "male"

    growth = np.array([HISTOLOGY_POINTS[h][0] for h in histology])
    primary = np.array([HISTOLOGY_POINTS[h][1] for h in histology])
    blastic_prone = np.isin(histology, ["prostate", "breast"])
    lesion = np.where(blastic_prone, rng.choice([0, 1, 2], n, p=[0.4, 0.4, 0.2]), rng.choice([0, 1, 2], n, p=[0.05, 0.2, 0.75]))
    visceral = rng.choice([0, 2, 4], n, p=[0.5, 0.3, 0.2])
    bone = rng.choice([1, 2], n, p=[0.35, 0.65])
    extraspinal = np.where(bone == 1, 2, rng.choice([0, 1], n, p=[0.5, 0.5]))
    vertebral = np.where(bone == 1, 2, rng.choice([0, 1, 2], n, p=[0.35, 0.35, 0.3]))
    organ = np.select([visceral == 0, visceral == 2], [2, 1], 0)
    kps_item = np.select([kps_pre >= 80, kps_pre >= 50], [2, 1], 0)
    palsy = np.select([mobility_pre >= 3, mobility_pre >= 1], [2, 1], rng.choice([0, 1], n, p=[0.6, 0.4]))
    frame = pd.DataFrame(
        {
            "age": _ages(targets, n, rng),
            "sex": sex,
            "histology": histology,
            "index_level": level,
            "location": location,
            "escc_grade": escc,
            "sins_location": [sins_location_points(lv) for lv in level],
            "sins_pain": rng.choice([0, 1, 3], n, p=[0.05, 0.3, 0.65]),
            "sins_lesion": lesion,
            "sins_alignment": rng.choice([0, 2, 4], n, p=[0.6, 0.3, 0.1]),
            "sins_collapse": rng.choice([0, 1, 2, 3], n, p=[0.15, 0.3, 0.35, 0.2]),
            "sins_posterolateral": rng.choice([0, 1, 3], n, p=[0.2, 0.45, 0.35]),
            "tomita_growth": growth,
            "tomita_visceral": visceral,
            "tomita_bone": bone,
            "tokuhashi_kps": kps_item,
            "tokuhashi_extraspinal": extraspinal,
            "tokuhashi_vertebral": vertebral,
            "tokuhashi_organ": organ,
            "tokuhashi_primary": primary,
            "tokuhashi_palsy": palsy,
            "rt_technique": technique,
            "rt_dose_gy": dose,
            "rt_fractions": fractions,
        }
    )
    sins_cols = [c for c in frame.columns if c.startswith("sins_")]
    frame.insert(list(frame.columns).index("sins_location"), "sins", frame[sins_cols].sum(axis=1))
    tom_cols = ["tomita_growth", "tomita_visceral", "tomita_bone"]
    frame.insert(list(frame.columns).index("tomita_growth"), "tomita", frame[tom_cols].sum(axis=1))
    tok_cols = [c for c in frame.columns if c.startswith("tokuhashi_")]
    frame.insert(list(frame.columns).index("tokuhashi_kps"), "tokuhashi", frame[tok_cols].sum(axis=1))
    return frame
