"""Calibration block: overall survival, local control and ambulatory time after RT.

Targets: ``os_1y`` and ``lc_1y`` (Kaplan-Meier at 12 months from the RT start, all / PBR /
NPBR), ``os_logrank_p`` and ``lc_logrank_p`` (PBR vs NPBR), ``followup_months_after_rt_mean_sd``
(mean and SD of the OS time), ``lost_to_followup`` and ``qol.mobility_months_after_rt``
(mean and SD per group, Mann-Whitney p).

Construction, each step an annealed search (:func:`rtdelay.demo._search.anneal`) started from
exponential draws:
1. OS: days and death flags; patients alive at the data cut-off are followed for at least six
   months, the lost ones for less. Moves: redraw or scale one time, flip one death flag.
2. LC: for every patient a last-imaging day no later than the OS day, or a local-progression
   day at least six weeks after the RT start. Moves: redraw one time, flip one progression flag.
3. Ambulatory months: a value between 0 and the OS time for each patient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from rtdelay.cohort import MONTH_DAYS
from rtdelay.demo._evaluate import km_at, logrank_p, mann_whitney_p, mean_sd
from rtdelay.demo._search import anneal, band_loss, rate_loss

__all__ = ["OutcomeBlock", "calibrate_outcomes"]

YEAR_DAYS = 12 * MONTH_DAYS
MIN_ALIVE_DAYS = 180  # alive at the cut-off: treated at least ~6 months before it
MAX_DAYS = 2200  # surgery 2013-2019 with a 2020 cut-off
MIN_LC_EVENT_DAYS = 42  # first post-RT imaging about six weeks after the RT start
LAST_IMAGING_LAG = 120
KM_TOL = 0.0005  # a rate within half a printed unit (0.05 points) prints as published
BAND_PENALTY = 100.0  # a mean or SD that would print differently outweighs any p value
MOBILITY_ROOM = 1.5
PBR_REDRAW = 0.01  # share of OS moves that redraw the whole PBR group  # months of follow-up beyond the mean ambulatory time, per group  # last imaging at most four months before the last contact


@dataclass(frozen=True)
class OutcomeBlock:
    """Per-patient outcome times (days from the RT start) and flags."""

    os_days: NDArray[np.int64]
    os_event: NDArray[np.bool_]
    lost: NDArray[np.bool_]
    lc_days: NDArray[np.int64]
    lc_event: NDArray[np.bool_]
    mobility_months: NDArray[np.float64]


@dataclass
class _Os:
    days: NDArray[np.int64]
    event: NDArray[np.bool_]


def _log_p_loss(p: float, target: float, *, below: bool = False) -> float:
    if target <= 0.001 or below:
        return rate_loss(math.log(max(p, 1e-300)), math.log(target), 0.04)
    return rate_loss(p, target, 0.0008)


def _km_losses(days: NDArray[Any], event: NDArray[Any], pbr: NDArray[np.bool_], goal: dict[str, float]) -> float:
    total = rate_loss(float(km_at(days, event, YEAR_DAYS)[0]), goal["all"], KM_TOL)
    total += rate_loss(float(km_at(days[pbr], event[pbr], YEAR_DAYS)[0]), goal["PBR"], KM_TOL)
    total += rate_loss(float(km_at(days[~pbr], event[~pbr], YEAR_DAYS)[0]), goal["NPBR"], KM_TOL)
    return total


def _calibrate_os(targets: dict[str, Any], pbr: NDArray[np.bool_], lost: NDArray[np.bool_], rng: np.random.Generator) -> _Os:
    n = pbr.size
    goal = {k: float(v) for k, v in targets["os_1y"].items()}
    p_goal = float(targets["os_logrank_p"])
    fu_mean, fu_sd = (float(x) for x in targets["followup_months_after_rt_mean_sd"])
    # starting values: exponential death times (1-year survival as printed), uniform censoring
    haz = np.where(pbr, -math.log(goal["PBR"]), -math.log(goal["NPBR"])) / YEAR_DAYS
    death = rng.exponential(1.0 / haz)
    cens = rng.uniform(MIN_ALIVE_DAYS, MAX_DAYS, size=n)
    event = (death <= cens) & ~lost
    days = np.where(event, death, cens)
    days = np.where(lost, rng.uniform(60, 700, size=n), days)
    days = np.clip(np.round(days), 20, MAX_DAYS).astype(np.int64)

    # the ambulatory months of each group are bounded by its follow-up: keep room for them
    mob = targets["qol"].get("mobility_months_after_rt", {})
    room = {g: float(mob[g][0]) + MOBILITY_ROOM for g in ("PBR", "NPBR") if g in mob}

    def loss(s: _Os) -> float:
        months = s.days / MONTH_DAYS
        mean, sd = mean_sd(months)
        total = (
            _km_losses(s.days, s.event, pbr, goal)
            + _log_p_loss(logrank_p(s.days, s.event, pbr), p_goal)
            + band_loss(mean, fu_mean, 1, penalty=BAND_PENALTY)
            + band_loss(sd, fu_sd, 1, penalty=BAND_PENALTY)
        )
        for g, need in room.items():
            short = need - float(months[pbr if g == "PBR" else ~pbr].mean())
            total += (max(short, 0.0) / 0.5) ** 2
        return total

    pbr_rows = np.flatnonzero(pbr)

    def make_propose(movable: NDArray[np.int64]) -> Any:
        def propose(s: _Os, g: np.random.Generator) -> _Os | None:
            d, e = s.days.copy(), s.event.copy()
            if g.random() < PBR_REDRAW:  # a fresh draw of the small PBR group (escapes its plateaus)
                death_p = g.exponential(1.0 / haz[pbr_rows])
                cens_p = g.uniform(MIN_ALIVE_DAYS, MAX_DAYS, size=pbr_rows.size)
                e[pbr_rows] = death_p <= cens_p
                d[pbr_rows] = np.clip(np.round(np.where(e[pbr_rows], death_p, cens_p)), 20, MAX_DAYS)
                return _Os(d, e)
            i = int(g.choice(movable))
            u = g.random()
            if u < 0.25 and not lost[i]:
                e[i] = not e[i]
            elif u < 0.6:
                d[i] = int(round(d[i] * math.exp(g.normal(0.0, 0.25))))
            else:
                d[i] = int(g.integers(20, MAX_DAYS + 1))
            lo = 20 if (e[i] or lost[i]) else MIN_ALIVE_DAYS
            hi = 900 if lost[i] else MAX_DAYS
            if not lo <= d[i] <= hi:
                return None
            return _Os(d, e)

        return propose

    best, _ = anneal(
        _Os(days, event), loss, make_propose(np.arange(n)), rng, max_iter=30000, stop_loss=0.5, t0=0.5, rounds=4
    )
    return best


def _calibrate_lc(targets: dict[str, Any], pbr: NDArray[np.bool_], os: _Os, rng: np.random.Generator) -> _Os:
    n = pbr.size
    goal = {k: float(v) for k, v in targets["lc_1y"].items()}
    p_goal = float(targets["lc_logrank_p"])
    lo_cens = np.maximum(os.days - LAST_IMAGING_LAG, 0)

    # starting values: exponential progression times (1-year control as printed)
    haz = np.where(pbr, -math.log(goal["PBR"]), -math.log(goal["NPBR"])) / YEAR_DAYS
    prog = np.round(MIN_LC_EVENT_DAYS + rng.exponential(1.0 / haz)).astype(np.int64)
    cens = np.array([int(rng.integers(lo_cens[i], os.days[i] + 1)) for i in range(n)], dtype=np.int64)
    event = prog <= os.days
    state = _Os(np.where(event, prog, cens), event)

    def loss_pbr(s: _Os) -> float:
        return rate_loss(float(km_at(s.days[pbr], s.event[pbr], YEAR_DAYS)[0]), goal["PBR"], KM_TOL)

    def loss(s: _Os) -> float:
        return _km_losses(s.days, s.event, pbr, goal) + _log_p_loss(logrank_p(s.days, s.event, pbr), p_goal)

    def make_propose(movable: NDArray[np.int64]) -> Any:
        def propose(s: _Os, g: np.random.Generator) -> _Os | None:
            i = int(g.choice(movable))
            d, e = s.days.copy(), s.event.copy()
            u = g.random()
            if (u < 0.1 and not e[i]) or (u < 0.3 and e[i]):  # progression is the rarer state
                e[i] = not e[i]
            if e[i]:
                if os.days[i] < MIN_LC_EVENT_DAYS:
                    return None
                d[i] = int(g.integers(MIN_LC_EVENT_DAYS, os.days[i] + 1))
            else:
                d[i] = int(g.integers(lo_cens[i], os.days[i] + 1))
            return _Os(d, e)

        return propose

    def redraw_pbr(s: _Os, g: np.random.Generator) -> _Os | None:
        """Stage 1 move: a fresh random configuration of the small PBR group, or one change."""
        if g.random() < 0.5:
            return make_propose(np.flatnonzero(pbr))(s, g)
        d, e = s.days.copy(), s.event.copy()
        for i in np.flatnonzero(pbr):
            e[i] = bool(g.random() < 0.4) and os.days[i] >= MIN_LC_EVENT_DAYS
            lo = MIN_LC_EVENT_DAYS if e[i] else lo_cens[i]
            d[i] = int(g.integers(lo, os.days[i] + 1))
        return _Os(d, e)

    # stage 1: the small PBR group alone; stage 2: the NPBR patients against every target
    state, pbr_loss = anneal(state, loss_pbr, redraw_pbr, rng, max_iter=30000, stop_loss=0.5, rounds=3)
    # stage 2 cannot change the PBR part of the loss: stop on the rest
    best, _ = anneal(
        state, loss, make_propose(np.flatnonzero(~pbr)), rng, max_iter=20000, stop_loss=1.0 + pbr_loss, t0=0.5,
        rounds=3,
    )
    return best


def _calibrate_mobility_months(
    targets: dict[str, Any], pbr: NDArray[np.bool_], os_days: NDArray[np.int64], rng: np.random.Generator
) -> NDArray[np.float64]:
    spec = targets["qol"]["mobility_months_after_rt"]
    cap = np.floor(os_days / MONTH_DAYS * 10.0) / 10.0  # never longer than the follow-up
    start = np.round(cap * rng.uniform(0.5, 1.0, size=cap.size), 1)

    def group_loss(v: NDArray[np.float64], key: str, mask: NDArray[np.bool_]) -> float:
        mean, sd = mean_sd(v[mask])
        return band_loss(mean, float(spec[key][0]), 1, penalty=BAND_PENALTY) + band_loss(
            sd, float(spec[key][1]), 1, penalty=BAND_PENALTY
        )

    def loss(v: NDArray[np.float64]) -> float:
        total = _log_p_loss(mann_whitney_p(v[~pbr], v[pbr]), float(spec["p"]))
        return total + group_loss(v, "NPBR", ~pbr) + group_loss(v, "PBR", pbr)

    def make_propose(movable: NDArray[np.int64]) -> Any:
        def propose(v: NDArray[np.float64], g: np.random.Generator) -> NDArray[np.float64] | None:
            i = int(g.choice(movable))
            new = v.copy()
            if g.random() < 0.5:
                new[i] = round(float(g.uniform(0.0, cap[i])), 1)
            else:
                new[i] = round(new[i] + float(g.normal(0.0, 1.0)), 1)
            if not 0.0 <= new[i] <= cap[i]:
                return None
            return new

        return propose

    state, _ = anneal(
        start, lambda v: group_loss(v, "PBR", pbr), make_propose(np.flatnonzero(pbr)), rng, max_iter=20000, stop_loss=0.0,
        rounds=3,
    )
    best, _ = anneal(
        state, loss, make_propose(np.flatnonzero(~pbr)), rng, max_iter=30000, stop_loss=0.3, t0=0.3, rounds=4
    )
    return best


def calibrate_outcomes(targets: dict[str, Any], pbr: NDArray[np.bool_], rng: np.random.Generator) -> OutcomeBlock:
    """Build OS, LC and ambulatory-time data for the given PBR flags."""
    n = pbr.size
    lost = np.zeros(n, dtype=bool)
    lost[rng.choice(np.flatnonzero(~pbr), size=int(targets["lost_to_followup"]), replace=False)] = True
    os = _calibrate_os(targets, pbr, lost, rng)
    lc = _calibrate_lc(targets, pbr, os, rng)
    mob = _calibrate_mobility_months(targets, pbr, os.days, rng)
    return OutcomeBlock(os.days, os.event, lost, lc.days, lc.event, mob)
