"""Harm of waiting: each patient's probability of progression before RT at the simulated wait.

The default harm is the parametric current-status model of ``rtdelay.planning`` fitted on a
cohort (``eta = a + k log t + x'b`` with ``t`` in months after surgery; Weibull PH
``F = 1 - exp(-exp(eta))`` or log-logistic PO ``F = 1 / (1 + exp(-eta))``). Simulated patients
draw their covariate profile (growth class, operation, ESCC grade) from the cohort's eligible
patients, with replacement. A given curve (risk by weeks after surgery, linearly interpolated
from ``(0, 0)`` and constant after its last point) may replace the model; all patients then
share it.

Death while waiting is a competing event with a constant hazard: by default the cohort's
deaths per person-time after RT (``sum os_event / sum os_months``), the exponential maximum
likelihood estimate, used as a stand-in for the hazard before RT (patients who died before RT
are not in a radiotherapy cohort).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from rtdelay.cohort import MONTH_DAYS
from rtdelay.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from rtdelay.planning._cs_regression import CurrentStatusFit

__all__ = ["HarmModel", "death_rate_from_cohort", "harm_from_cohort", "harm_from_curve", "harm_from_fit"]


@dataclass(frozen=True)
class HarmModel:
    """Probability of progression before RT by days since surgery, for a set of patient profiles.

    Attributes
    ----------
    source : str
        Where the harm comes from (the cohort, or "given curve").
    kind : {"weibull", "loglogistic", "curve"}
    offsets : ndarray
        ``a + x'b`` of each profile (model kinds).
    shape : float
        ``k``, the coefficient of ``log t`` (model kinds).
    profiles : tuple of dict
        Distinct covariate profiles.
    weights : ndarray
        Share of the cohort's patients with each profile (sampling probabilities).
    curve_days, curve_risk : ndarray
        The given curve (kind ``"curve"``).
    notes : tuple of str
    """

    source: str
    kind: str
    offsets: NDArray[np.float64]
    shape: float
    profiles: tuple[dict[str, str], ...]
    weights: NDArray[np.float64]
    curve_days: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    curve_risk: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    notes: tuple[str, ...] = ()

    def risk(self, profile: NDArray[np.int64], days: NDArray[np.float64]) -> NDArray[np.float64]:
        """``F(days after surgery | profile)``; 0 at or before day 0, ``nan`` where days is nan."""
        d = np.asarray(days, float)
        if self.kind == "curve":
            return np.interp(d, self.curve_days, self.curve_risk, left=0.0, right=float(self.curve_risk[-1]))
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = self.offsets[profile] + self.shape * np.log(np.maximum(d, 0.0) / MONTH_DAYS)
        if self.kind == "weibull":
            out = -np.expm1(-np.exp(np.minimum(eta, 700.0)))
        else:
            out = 1.0 / (1.0 + np.exp(-np.clip(eta, -700.0, 700.0)))
        return np.where(d > 0, out, np.where(np.isnan(d), np.nan, 0.0))

    def to_dict(self) -> dict[str, Any]:
        from rtdelay.stats import jsonable

        return {
            "source": self.source,
            "kind": self.kind,
            "shape": jsonable(self.shape) if self.kind != "curve" else None,
            "profiles": [
                {"profile": p, "share": jsonable(w), "offset": jsonable(o)}
                for p, w, o in zip(self.profiles, self.weights, self.offsets, strict=True)
            ],
            "curve": (
                {"weeks": jsonable(self.curve_days / 7.0), "risk": jsonable(self.curve_risk)}
                if self.kind == "curve"
                else None
            ),
            "notes": list(self.notes),
        }


def harm_from_fit(
    fit: CurrentStatusFit, profiles: Sequence[Mapping[str, str]], *, source: str
) -> HarmModel:
    """Harm from a fitted current-status model and the profiles of the patients to sample from."""
    if len(profiles) == 0:
        raise InputError("the harm model needs at least one patient profile to sample from")
    keys = [tuple(sorted((k, str(v)) for k, v in p.items() if k in fit.terms)) for p in profiles]
    counts = Counter(keys)
    distinct = sorted(counts)
    offsets = np.array([fit.coef[0] + float(fit.design_row(dict(k)) @ fit.coef[2:]) for k in distinct])
    weights = np.array([counts[k] for k in distinct], float)
    notes = list(fit.notes)
    k, k_se = float(fit.coef[1]), float(fit.se[1])
    if not k - 1.96 * k_se > 0:
        notes.append(
            f"in this cohort the risk does not clearly rise with the wait (time shape {k:.2f}, "
            f"95% CI {k - 1.96 * k_se:.2f} to {k + 1.96 * k_se:.2f}): differences between "
            "capacities mostly reflect the fitted shape, not a clear effect in the data"
        )
    return HarmModel(
        source=source,
        kind=fit.baseline,
        offsets=offsets,
        shape=k,
        profiles=tuple(dict(p) for p in distinct),
        weights=weights / weights.sum(),
        notes=tuple(notes),
    )


def harm_from_curve(weeks: Sequence[float], risk: Sequence[float], *, source: str = "given curve") -> HarmModel:
    """Harm from a curve of cumulative risk by weeks after surgery (same for every patient).

    Examples
    --------
    >>> h = harm_from_curve([4, 8], [0.1, 0.3])
    >>> [round(float(v), 3) for v in h.risk(np.zeros(3, int), np.array([14.0, 42.0, 100.0]))]
    [0.05, 0.2, 0.3]
    """
    w = np.asarray(weeks, float)
    r = np.asarray(risk, float)
    if w.size == 0 or w.size != r.size:
        raise InputError("a risk curve needs the same positive number of weeks and risks")
    if np.any(~np.isfinite(w)) or np.any(w <= 0) or np.any(np.diff(w) <= 0):
        raise InputError("risk-curve weeks must be positive and increasing")
    if np.any(~np.isfinite(r)) or np.any((r < 0) | (r > 1)) or np.any(np.diff(r) < 0):
        raise InputError("risk-curve risks must lie in [0, 1] and must not decrease with the wait")
    return HarmModel(
        source=source,
        kind="curve",
        offsets=np.zeros(1),
        shape=float("nan"),
        profiles=({},),
        weights=np.ones(1),
        curve_days=np.r_[0.0, w * 7.0],
        curve_risk=np.r_[0.0, r],
        notes=("a given curve: every patient has the same risk, so the risk-first policy is first come first served",),
    )


def death_rate_from_cohort(os_months: Sequence[float], os_event: Sequence[float]) -> float:
    """Constant death hazard per day: deaths / person-days (exponential MLE).

    Examples
    --------
    >>> round(death_rate_from_cohort([10, 20], [1, 0]) * 365.25, 4)
    0.4
    """
    t = np.asarray(os_months, float)
    e = np.asarray(os_event, float)
    ok = np.isfinite(t) & np.isfinite(e) & (t >= 0)
    days = float(np.sum(t[ok])) * MONTH_DAYS
    if days <= 0:
        return 0.0
    return float(np.sum(e[ok])) / days


def harm_from_cohort(included: pd.DataFrame, *, source: str) -> tuple[HarmModel, float]:
    """Fit the risk model on a derived cohort's eligible patients; return harm and death rate per day."""
    from rtdelay.planning._risk import RISK_COVARIATES, fit_progression_model

    fit = fit_progression_model(included)
    cols = [c for c in RISK_COVARIATES if c in included.columns]
    frame = included.dropna(subset=cols)
    profiles = [{c: str(row[c]) for c in cols} for _, row in frame[cols].iterrows()]
    harm = harm_from_fit(fit, profiles, source=source)
    rate = 0.0
    if {"os_months", "os_event"} <= set(included.columns):
        rate = death_rate_from_cohort(
            included["os_months"].to_numpy(dtype=float).tolist(), included["os_event"].to_numpy(dtype=float).tolist()
        )
    return harm, rate
