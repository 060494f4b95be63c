"""Calibration block: surgery-to-RT interval, progression before RT and operation type.

Targets (paper_targets.json): ``ti_bin_counts``, ``ti_months_median``, ``ti_months_range``,
``pbr_n``, ``pbr_by_surgery``, ``pbr_within_1_month``, ``pbr_cumulative_risk`` (1 - KM at 1, 3
and 6 months with the interval as time and PBR as event, the article's treatment) and
``pbr_by_surgery_logrank_p``.

Construction: integer day intervals are drawn inside each bin with a few fixed patients (the
shortest, the longest, the gastric vertebrectomy PBR patient of the text and the three patients
with a radiotherapy complication at a stated interval); an annealed search then moves intervals
inside their bins and PBR flags between patients until the three cumulative risks print as in
the article. Operation types are assigned last, by swaps inside each group (PBR/NPBR), which
changes the log-rank test between operation types but neither the counts nor the risks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rtdelay.cohort import MONTH_DAYS
from rtdelay.demo._evaluate import km_at, logrank_p
from rtdelay.demo._search import anneal, rate_loss

__all__ = ["WaitingBlock", "calibrate_waiting", "month_to_day_range"]

SURGERY_TYPES = ("separation", "decompression", "vertebrectomy")
ATTEMPTS = 4


@dataclass(frozen=True)
class WaitingBlock:
    """Per-patient interval (days), PBR flag and operation type, plus the named special rows."""

    ti_days: NDArray[np.int64]
    pbr: NDArray[np.bool_]
    surgery: NDArray[np.str_]
    special: dict[str, int]  # role -> patient index


def month_to_day_range(printed: float, decimals: int = 1) -> tuple[int, int]:
    """Integer days whose month value (days / 30.4375) rounds to ``printed``: (first, last)."""
    half = 0.5 * 10.0**-decimals
    lo = math.ceil((printed - half) * MONTH_DAYS)
    hi = math.ceil((printed + half) * MONTH_DAYS) - 1
    return lo, hi


def _bins(targets: dict[str, Any]) -> list[tuple[int, int, int]]:
    """(first day, last day, count) per interval bin [a, b) months."""
    out = []
    for label, count in targets["ti_bin_counts"].items():
        a, b = (0.0, 1.0) if label.startswith("<") else tuple(float(x) for x in label.split("-"))
        out.append((math.ceil(a * MONTH_DAYS), math.ceil(b * MONTH_DAYS) - 1, int(count)))
    return out


@dataclass
class _State:
    days: NDArray[np.int64]
    pbr: NDArray[np.bool_]


def calibrate_waiting(targets: dict[str, Any], rng: np.random.Generator) -> WaitingBlock:
    """Build intervals, PBR flags and operation types that reproduce the waiting targets.

    Up to ``ATTEMPTS`` fresh starting draws are searched; the first that reaches the targets
    (else the best) is kept.
    """
    found: tuple[_State, dict[str, int]] | None = None
    found_loss = np.inf
    for _ in range(ATTEMPTS):
        state, special, loss = _attempt(targets, rng)
        if loss < found_loss:
            found, found_loss = (state, special), loss
        if loss <= 1.0:
            break
    assert found is not None
    best, special = found
    surgery = _assign_surgery(best.days, best.pbr, special, targets, rng)
    return WaitingBlock(best.days, best.pbr, surgery, special)


def _attempt(targets: dict[str, Any], rng: np.random.Generator) -> tuple[_State, dict[str, int], float]:
    """One starting draw of intervals and PBR flags, then the annealed search."""
    n = int(targets["n_patients"])
    bins = _bins(targets)
    min_lo, _ = month_to_day_range(targets["ti_months_range"][0])
    _, max_hi = month_to_day_range(targets["ti_months_range"][1])
    max_lo, _ = month_to_day_range(targets["ti_months_range"][1])
    med_lo, med_hi = month_to_day_range(targets["ti_months_median"])
    first = targets["pbr_within_1_month"]
    first_day = int(round(first["ti_months"] * MONTH_DAYS))
    rt_comp = targets["complications"]["radiotherapy"]

    # fixed patients: (role, day, pbr)
    fixed: list[tuple[str, int, bool]] = [
        ("shortest", min_lo + 1 if min_lo + 1 <= 20 else min_lo, False),
        ("longest", (max_lo + max_hi) // 2, False),
        ("pbr_within_1_month", first_day, True),
    ]
    for i, comp in enumerate(rt_comp):
        lo, hi = month_to_day_range(comp["ti_months"])
        fixed.append((f"rt_complication_{i}", (lo + hi) // 2, comp["group"] == "PBR"))
    min_day, max_day = fixed[0][1], fixed[1][1]

    bin_of = lambda d: next(k for k, (a, b, _) in enumerate(bins) if a <= d <= b)  # noqa: E731
    days = np.zeros(n, dtype=np.int64)
    pbr = np.zeros(n, dtype=bool)
    bin_idx = np.zeros(n, dtype=np.int64)
    special: dict[str, int] = {}
    filled = [0] * len(bins)
    for i, (role, d, p) in enumerate(fixed):
        days[i], pbr[i] = d, p
        bin_idx[i] = bin_of(d)
        filled[bin_idx[i]] += 1
        special[role] = i
    pos = len(fixed)
    below = n // 2 - sum(c for a, b, c in bins if b < med_lo)  # ranks left of the median band
    for k, (a, b, count) in enumerate(bins):
        lo, hi = max(a, min_day), min(b, max_day)
        for j in range(count - filled[k]):
            if a <= med_lo <= b:  # the bin holding the median: split it around the band
                fixed_below = sum(1 for _, d, _ in fixed if a <= d < med_lo)
                lo, hi = (a, med_lo - 1) if j < below - fixed_below else (med_lo, b)
            days[pos] = rng.integers(lo, hi + 1)
            bin_idx[pos] = k
            pos += 1
    if pos != n:
        raise ValueError(f"interval bins hold {pos} patients, expected {n}")
    n_more = int(targets["pbr_n"]) - int(pbr.sum())
    free_late = [i for i in range(len(fixed), n) if bin_idx[i] >= 1]
    pbr[rng.choice(free_late, size=n_more, replace=False)] = True

    grid = np.array([float(k) for k in targets["pbr_cumulative_risk"]]) * MONTH_DAYS
    goal = np.array(list(targets["pbr_cumulative_risk"].values()), dtype=np.float64)
    lows = np.array([max(bins[k][0], min_day) for k in bin_idx])
    highs = np.array([min(bins[k][1], max_day) for k in bin_idx])
    n_fixed = len(fixed)

    def median_gap(d: NDArray[np.int64]) -> float:
        m = int(np.partition(d, n // 2)[n // 2])
        return float(max(med_lo - m, m - med_hi, 0))

    def loss(s: _State) -> float:
        risk = 1.0 - km_at(s.days, s.pbr, grid)
        med = 100.0 * median_gap(s.days) ** 2
        return med + sum(rate_loss(float(r), float(g), 0.0004) for r, g in zip(risk, goal, strict=True))

    def propose(s: _State, g: np.random.Generator) -> _State | None:
        if g.random() < 0.7:
            i = int(g.integers(n_fixed, n))
            new = s.days.copy()
            step = int(g.integers(-6, 7)) if g.random() < 0.7 else 0
            new[i] = int(g.integers(lows[i], highs[i] + 1)) if step == 0 else new[i] + step
            if not lows[i] <= new[i] <= highs[i]:
                return None
            return _State(new, s.pbr)
        yes = [i for i in range(n_fixed, n) if s.pbr[i]]
        no = [i for i in range(n_fixed, n) if not s.pbr[i] and bin_idx[i] >= 1]
        a, b = int(g.choice(yes)), int(g.choice(no))
        flags = s.pbr.copy()
        flags[a], flags[b] = False, True
        return _State(s.days, flags)

    best, best_loss = anneal(_State(days, pbr), loss, propose, rng, max_iter=40000, stop_loss=1.0, t0=0.3, rounds=2)
    return best, special, best_loss


def _assign_surgery(
    days: NDArray[np.int64],
    pbr: NDArray[np.bool_],
    special: dict[str, int],
    targets: dict[str, Any],
    rng: np.random.Generator,
) -> NDArray[np.str_]:
    """Operation types with the stated PBR counts, tuned to the log-rank p between types."""
    n = days.size
    labels = np.empty(n, dtype=object)
    first = special["pbr_within_1_month"]
    labels[first] = targets["pbr_within_1_month"]["surgery"]
    for flag in (True, False):
        pool = [i for i in range(n) if bool(pbr[i]) == flag and i != first]
        rng.shuffle(pool)
        want = []
        for name in SURGERY_TYPES:
            k, total = targets["pbr_by_surgery"][name]
            count = k if flag else total - k
            if flag and name == labels[first]:
                count -= 1
            want += [name] * count
        if len(want) != len(pool):
            raise ValueError("operation-type counts do not add up to the group size")
        labels[pool] = want
    target_p = float(targets["pbr_by_surgery_logrank_p"])

    def loss(lab: NDArray[Any]) -> float:
        return rate_loss(logrank_p(days, pbr, lab), target_p, 0.0004)

    def propose(lab: NDArray[Any], g: np.random.Generator) -> NDArray[Any] | None:
        a, b = (int(x) for x in g.integers(0, n, size=2))
        if a == first or b == first or pbr[a] != pbr[b] or lab[a] == lab[b]:
            return None
        new = lab.copy()
        new[a], new[b] = lab[b], lab[a]
        return new

    best, _ = anneal(labels, loss, propose, rng, max_iter=20000, stop_loss=1.0, t0=0.3, rounds=3)
    return np.asarray(best, dtype=str)
