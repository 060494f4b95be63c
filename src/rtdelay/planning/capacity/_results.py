"""Results of the capacity planner: one entry per (policy, weekly starts), marginal values, model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["CapacityPlan", "MarginalValue", "ScenarioResult", "WAIT_BINS_WEEKS"]

WAIT_BINS_WEEKS = np.arange(0, 365) / 7.0
"""Bin edges (weeks; one day wide, up to 52 weeks) of the pooled wait histogram kept for the figures.

Waits beyond the last edge are counted in the last bin."""


def _ci(lo: float, hi: float) -> list[float | None]:
    from rtdelay.stats import jsonable

    return [jsonable(lo), jsonable(hi)]


@dataclass(frozen=True)
class ScenarioResult:
    """Outcome of one policy at one weekly capacity, averaged over replications with 95 % CIs.

    Waits are from readiness to the course start, in weeks. ``p_within[w]`` is the share of
    patients starting within ``w`` weeks of readiness (``p_within_surgery``: of surgery); patients
    who died waiting count as not started. Progressions are expected numbers (sums of each
    patient's probability of progression by the end of the wait).
    """

    policy: str
    starts_per_week: int
    mean_wait_weeks: float
    mean_wait_ci: tuple[float, float]
    median_wait_weeks: float
    median_wait_ci: tuple[float, float]
    p90_wait_weeks: float
    p90_wait_ci: tuple[float, float]
    p_within: dict[str, float]
    p_within_ci: dict[str, tuple[float, float]]
    p_within_surgery: dict[str, float]
    progressions_per_100: float
    progressions_per_100_ci: tuple[float, float]
    progressions_per_year: float
    progressions_per_year_ci: tuple[float, float]
    died_waiting_per_year: float
    died_waiting_ci: tuple[float, float]
    patients_per_year: float
    utilisation: float
    littles_law_max_gap: float
    queue_weeks: NDArray[np.float64]
    queue_mean: NDArray[np.float64]
    queue_lower: NDArray[np.float64]
    queue_upper: NDArray[np.float64]
    wait_histogram: NDArray[np.float64]
    per_rep_progressions_per_year: NDArray[np.float64] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` shape of one scenario (queue trajectory and histogram under extra keys)."""
        from rtdelay.stats import jsonable

        return {
            "policy": self.policy,
            "starts_per_week": self.starts_per_week,
            "mean_wait_weeks": jsonable(self.mean_wait_weeks),
            "mean_wait_ci": _ci(*self.mean_wait_ci),
            "median_wait_weeks": jsonable(self.median_wait_weeks),
            "median_wait_ci": _ci(*self.median_wait_ci),
            "p90_wait_weeks": jsonable(self.p90_wait_weeks),
            "p90_wait_ci": _ci(*self.p90_wait_ci),
            "p_start_within_weeks": jsonable(self.p_within),
            "p_start_within_weeks_ci": {k: _ci(*v) for k, v in self.p_within_ci.items()},
            "p_start_within_weeks_of_surgery": jsonable(self.p_within_surgery),
            "progressions_per_100": jsonable(self.progressions_per_100),
            "progressions_per_100_ci": _ci(*self.progressions_per_100_ci),
            "progressions_per_year": jsonable(self.progressions_per_year),
            "progressions_per_year_ci": _ci(*self.progressions_per_year_ci),
            "died_waiting_per_year": jsonable(self.died_waiting_per_year),
            "died_waiting_per_year_ci": _ci(*self.died_waiting_ci),
            "patients_per_year": jsonable(self.patients_per_year),
            "utilisation": jsonable(self.utilisation),
            "littles_law_max_gap": jsonable(self.littles_law_max_gap),
            "queue_length": {
                "weeks": jsonable(self.queue_weeks),
                "mean": jsonable(self.queue_mean),
                "lower": jsonable(self.queue_lower),
                "upper": jsonable(self.queue_upper),
            },
            "wait_histogram": {"bin_edges_weeks": jsonable(WAIT_BINS_WEEKS), "share": jsonable(self.wait_histogram)},
        }


@dataclass(frozen=True)
class MarginalValue:
    """Progressions avoided per year by going from ``from_starts`` to ``to_starts`` a week.

    Paired over replications (common random numbers); ``per_extra_start`` divides by the number
    of starts added.
    """

    policy: str
    from_starts: int
    to_starts: int
    avoided_per_year: float
    ci: tuple[float, float]

    @property
    def per_extra_start(self) -> float:
        return self.avoided_per_year / (self.to_starts - self.from_starts)

    def to_dict(self) -> dict[str, Any]:
        from rtdelay.stats import jsonable

        return {
            "policy": self.policy,
            "from": self.from_starts,
            "to": self.to_starts,
            "progressions_avoided_per_year": jsonable(self.avoided_per_year),
            "ci": _ci(*self.ci),
            "per_extra_start": jsonable(self.per_extra_start),
        }


@dataclass(frozen=True)
class CapacityPlan:
    """Everything ``rtdelay plan`` reports: scenarios, marginal values, the model and its notes."""

    scenarios: tuple[ScenarioResult, ...]
    marginal: tuple[MarginalValue, ...]
    model: dict[str, Any]
    notes: tuple[str, ...] = ()

    def scenario(self, policy: str, starts_per_week: int) -> ScenarioResult:
        for s in self.scenarios:
            if s.policy == policy and s.starts_per_week == starts_per_week:
                return s
        raise KeyError((policy, starts_per_week))

    def to_dict(self, *, compact: bool = False) -> dict[str, Any]:
        """``{"scenarios": [...], "marginal": [...], "model": {...}}``.

        ``compact`` leaves out the queue trajectories and wait histograms (the ``--json`` print).
        """
        scen = [s.to_dict() for s in self.scenarios]
        if compact:
            for s in scen:
                s.pop("queue_length")
                s.pop("wait_histogram")
        return {
            "scenarios": scen,
            "marginal": [m.to_dict() for m in self.marginal],
            "model": {**self.model, "notes": list(self.notes)},
        }

    def to_frame(self) -> Any:
        import pandas as pd

        rows = []
        for s in self.to_dict(compact=True)["scenarios"]:
            within = s.pop("p_start_within_weeks")
            s = {k: v for k, v in s.items() if not isinstance(v, (list, dict))}
            s.update({f"p_within_{k}w": v for k, v in within.items()})
            rows.append(s)
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        lines = [f"CapacityPlan({len(self.scenarios)} scenarios)"]
        for s in self.scenarios:
            lines.append(
                f"  {s.policy:>8} {s.starts_per_week:>3}/week: mean wait {s.mean_wait_weeks:.2f} wk, "
                f"progressions/year {s.progressions_per_year:.2f}"
            )
        return "\n".join(lines)
