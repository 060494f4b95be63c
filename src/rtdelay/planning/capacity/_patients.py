"""Simulated patients on common random numbers: surgery, readiness, risk profile, death.

One ``numpy.random.SeedSequence(seed)`` is split into separate streams (arrivals, readiness
interval, risk profile, death, downtime), so that every policy and every capacity sees the same
patients (common random numbers) and changing one part of the model leaves the others' draws
unchanged. The same seed gives identical patients.

Surgeries form a Poisson process at ``arrivals_per_week`` on ``[0, T)`` (drawn as a Poisson count
and uniform order statistics), or replay given surgery days. A patient is ready for RT a fixed
or uniformly distributed interval after surgery; readiness times are continuous.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["PatientDraws", "STREAMS", "draw_patients", "streams"]

STREAMS = ("arrivals", "readiness", "risk", "death", "downtime")


def streams(seed: int) -> dict[str, np.random.SeedSequence]:
    """Child seed sequences, one per random part of the model."""
    children = np.random.SeedSequence(int(seed)).spawn(len(STREAMS))
    return dict(zip(STREAMS, children, strict=True))


@dataclass(frozen=True)
class PatientDraws:
    """Patients of every replication, rows sorted by readiness and padded with ``inf``.

    Attributes
    ----------
    surgery, ready, death : ndarray (n_reps, n)
        Days from day 0 (``death`` is ``inf`` without deaths).
    profile : ndarray of int (n_reps, n)
        Index into ``HarmModel.profiles``.
    valid : ndarray of bool (n_reps, n)
    """

    surgery: NDArray[np.float64]
    ready: NDArray[np.float64]
    death: NDArray[np.float64]
    profile: NDArray[np.int64]
    valid: NDArray[np.bool_]

    @property
    def counts(self) -> NDArray[np.int64]:
        return self.valid.sum(axis=1)


def draw_patients(
    *,
    seed: int,
    n_reps: int,
    horizon_days: float,
    arrivals_per_week: float | None,
    surgery_days: NDArray[np.float64] | None,
    ready_after_days: tuple[float, float],
    profile_weights: NDArray[np.float64],
    death_rate_per_day: float,
) -> PatientDraws:
    """Draw the patients of ``n_reps`` replications (see the module docstring)."""
    ss = streams(seed)
    if surgery_days is not None:
        base = np.sort(np.asarray(surgery_days, float))
        surgery = np.tile(base, (n_reps, 1))
    else:
        rng = np.random.default_rng(ss["arrivals"])
        lam = float(arrivals_per_week or 0.0) / 7.0 * horizon_days
        counts = rng.poisson(lam, size=n_reps)
        n_max = int(counts.max(initial=0))
        # the first counts[r] of n_max uniform draws, then sorted: Poisson process on [0, T)
        u = rng.uniform(0.0, horizon_days, size=(n_reps, n_max))
        surgery = np.sort(np.where(np.arange(n_max)[None, :] < counts[:, None], u, np.inf), axis=1)
    reps, n = surgery.shape
    valid = np.isfinite(surgery)
    lo, hi = ready_after_days
    rng_ready = np.random.default_rng(ss["readiness"])
    interval = rng_ready.uniform(lo, hi, size=(reps, n)) if hi > lo else np.full((reps, n), float(lo))
    ready = np.where(valid, surgery + interval, np.inf)
    rng_risk = np.random.default_rng(ss["risk"])
    profile = rng_risk.choice(len(profile_weights), p=profile_weights, size=(reps, n))
    rng_death = np.random.default_rng(ss["death"])
    if death_rate_per_day > 0:
        death = ready + rng_death.exponential(1.0 / death_rate_per_day, size=(reps, n))
    else:
        death = np.full((reps, n), np.inf)
    if hi == lo:  # a fixed interval keeps the (sorted) surgery order
        def take(a: NDArray) -> NDArray:
            return a
    else:
        order = np.argsort(ready, axis=1, kind="stable")

        def take(a: NDArray) -> NDArray:
            return np.take_along_axis(a, order, axis=1)

    return PatientDraws(
        surgery=take(surgery), ready=take(ready), death=take(death), profile=take(profile), valid=take(valid)
    )
