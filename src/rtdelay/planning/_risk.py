"""Risk of progression before radiotherapy for a given wait: the calculator behind ``rtdelay risk``.

The model is the parametric current-status regression of ``_cs_regression`` fitted on the
eligible patients of a cohort: inspection time = months from surgery to the pre-RT MRI (else to
the start of RT), progressed = PBR. Covariates are Tomita's growth class of the histology
(slow / moderate / rapid), the operation type and the Bilsky ESCC grade; a covariate with one
level in the cohort, or whose levels separate progression perfectly, is dropped with a note.

Waits are given in weeks after surgery and converted with 1 month = 30.4375 days. A wait
beyond the longest look time of the cohort is an extrapolation (a warning in
``RiskPrediction.warnings``); beyond ``EXTRAPOLATION_LIMIT`` times that it is refused
(``ValueError``). The latest acceptable week is searched up to ``MAX_WAIT_WEEKS`` but never
beyond the longest look time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rtdelay.cohort import (
    CATEGORY_SYNONYMS,
    ESCC_GRADES,
    HISTOLOGIES,
    MONTH_DAYS,
    SURGERY_TYPES,
)
from rtdelay.planning._cs_regression import CurrentStatusFit, fit_current_status

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EXTRAPOLATION_LIMIT",
    "MAX_WAIT_WEEKS",
    "RISK_COVARIATES",
    "RISK_COVARIATE_LABELS",
    "TimeShape",
    "describe_profile",
    "time_shape",
    "wait_caution",
    "RiskPrediction",
    "fit_progression_model",
    "predict_wait_risk",
    "profile_from_patient",
]

RISK_COVARIATES: dict[str, str] = {
    "growth_class": "Tomita growth class of the primary (slow / moderate / rapid)",
    "surgery_type": "operation type",
    "escc_grade": "Bilsky ESCC grade before surgery",
}
"""Covariates of the risk model: derived-cohort column -> meaning."""

RISK_COVARIATE_LABELS: dict[str, str] = {
    "growth_class": "growth class",
    "surgery_type": "operation type",
    "escc_grade": "ESCC grade",
}
"""Covariate -> the words shown to a user (never the column name)."""

_REFERENCE = {"growth_class": "moderate", "surgery_type": "separation", "escc_grade": "3"}
WEEK_DAYS = 7.0
#: Latest week searched for ``max_risk`` (two years after surgery).
MAX_WAIT_WEEKS = 104
#: Waits beyond this multiple of the longest look time in the cohort are refused.
EXTRAPOLATION_LIMIT = 2.0


def fit_progression_model(
    included: pd.DataFrame,
    *,
    covariates: Sequence[str] = tuple(RISK_COVARIATES),
    baseline: str = "auto",
) -> CurrentStatusFit:
    """Fit the risk-of-waiting model on the eligible patients of a derived cohort.

    Parameters
    ----------
    included : pandas.DataFrame
        Derived cohort (``rtdelay.cohort.derive_cohort``) restricted to eligible patients; needs
        ``inspection_months``, ``group`` and the covariate columns.
    covariates : sequence of str
        Subset of ``RISK_COVARIATES``.
    baseline : {"auto", "weibull", "loglogistic"}
    """
    unknown = [c for c in covariates if c not in RISK_COVARIATES]
    if unknown:
        raise ValueError(f"unknown risk covariate {unknown[0]!r}; allowed: {', '.join(RISK_COVARIATES)}")
    missing = [c for c in ("inspection_months", "group", *covariates) if c not in included.columns]
    if missing:
        raise ValueError(f"the cohort lacks the column {missing[0]!r} needed by the risk model")
    frame = included.dropna(subset=["inspection_months", *covariates])
    frame = frame[frame["inspection_months"] > 0]
    progressed = (frame["group"] == "PBR").astype(int).to_numpy()
    covs = {c: frame[c].astype(str).tolist() for c in covariates}
    return fit_current_status(
        frame["inspection_months"].to_numpy(dtype=float),
        progressed,
        covariates=covs,
        baseline=baseline,
        reference=_REFERENCE,
        labels=RISK_COVARIATE_LABELS,
    )


def _canonical(column: str, value: str, allowed: Sequence[str]) -> str:
    """Dictionary value of a category, accepting the schema's synonyms (kidney -> renal)."""
    key = " ".join(str(value).strip().lower().replace("_", " ").replace("-", " ").split())
    for a in allowed:
        if key == a.lower().replace("_", " "):
            return a
    synonym = CATEGORY_SYNONYMS.get(column, {}).get(key)
    if synonym is not None:
        return synonym
    label = "surgery" if column == "surgery_type" else column
    raise ValueError(f"{label} must be one of {', '.join(allowed)}; got {value!r}")


def profile_from_patient(
    *, histology: str, surgery: str | None = None, escc: str | None = None
) -> dict[str, str]:
    """Translate a patient's histology, operation and ESCC grade into model covariates.

    Unknown values raise ``ValueError`` listing the allowed ones.
    """
    from rtdelay.scores import growth_class

    hist = _canonical("histology", histology, HISTOLOGIES)
    profile = {"growth_class": growth_class(hist)}
    if surgery is not None:
        profile["surgery_type"] = _canonical("surgery_type", surgery, SURGERY_TYPES)
    if escc is not None:
        grade = str(escc).strip().lower()
        if grade not in ESCC_GRADES:
            raise ValueError(f"escc must be one of {', '.join(ESCC_GRADES)}; got {escc!r}")
        profile["escc_grade"] = grade
    return profile


@dataclass(frozen=True)
class RiskPrediction:
    """Predicted risk of progression before RT for several waits after surgery.

    Attributes
    ----------
    wait_weeks, risk, lower, upper : numpy.ndarray
    max_risk : float or None
    latest_week : int or None
        Latest whole week (1..``search_weeks``) at which the predicted risk stays at or below
        ``max_risk`` (0 if even week 1 exceeds it; None without ``max_risk``).
    latest_week_upper : int or None
        The same for the upper 95 % confidence limit (the cautious answer).
    profile : dict
        The covariate levels the prediction used (the model's covariates), including those assumed.
    model : CurrentStatusFit
    assumed : tuple of str
        Model covariates the caller did not give: set to their reference level (the first level
        of ``model.levels``), so the prediction is for that level, not an average.
    ignored : dict
        Covariates the caller gave that the model dropped (see ``model.notes``): they do not
        enter the prediction.
    search_weeks : int
        Last week searched for ``max_risk``: ``MAX_WAIT_WEEKS`` or the longest look time of the
        cohort in whole weeks, whichever is smaller.
    warnings : tuple of str
        Waits that extrapolate beyond the longest look time.
    """

    wait_weeks: np.ndarray
    risk: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    max_risk: float | None
    latest_week: int | None
    latest_week_upper: int | None
    profile: dict[str, str]
    model: CurrentStatusFit
    assumed: tuple[str, ...] = ()
    ignored: dict[str, str] = field(default_factory=dict)
    search_weeks: int = MAX_WAIT_WEEKS
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        from rtdelay.stats import jsonable

        return {
            "predictions": [
                {"wait_weeks": jsonable(w), "risk": jsonable(r), "lower": jsonable(lo), "upper": jsonable(hi)}
                for w, r, lo, hi in zip(self.wait_weeks, self.risk, self.lower, self.upper, strict=True)
            ],
            "max_risk": self.max_risk,
            "latest_week": self.latest_week,
            "latest_week_upper": self.latest_week_upper,
            "profile": self.profile,
            "assumed": list(self.assumed),
            "ignored": dict(self.ignored),
            "search_weeks": self.search_weeks,
            "warnings": list(self.warnings),
            "model": self.model.to_dict(),
        }


def _latest_week(values: np.ndarray, max_risk: float) -> int:
    ok = values <= max_risk
    if not ok[0]:
        return 0
    # risk increases with the wait (shape k > 0): the last week of the first run of True
    first_bad = np.flatnonzero(~ok)
    return int(first_bad[0]) if first_bad.size else int(ok.size)


def predict_wait_risk(
    model: CurrentStatusFit,
    profile: Mapping[str, str],
    wait_weeks: Sequence[float],
    *,
    max_risk: float | None = None,
    conf_level: float = 0.95,
) -> RiskPrediction:
    """Predicted risk with CI at each wait; optionally the latest acceptable week.

    ``max_risk`` must lie in (0, 1). Profile values for covariates the model dropped are
    ignored (the model's notes say why); model covariates missing from the profile are set to
    their reference level and listed in ``RiskPrediction.assumed``.

    A wait beyond the longest look time of the cohort (``model.max_time``) gives a warning in
    ``RiskPrediction.warnings``; one beyond ``EXTRAPOLATION_LIMIT`` times it raises
    ``ValueError``: the model has seen no patient waiting that long.
    """
    weeks = np.asarray(list(wait_weeks), dtype=float)
    if weeks.size == 0 or np.any(~np.isfinite(weeks)) or np.any(weeks <= 0):
        raise ValueError("wait weeks must be positive numbers")
    longest = float(model.max_time) * MONTH_DAYS / WEEK_DAYS  # NaN when unknown: no check
    notes: list[str] = []
    if np.isfinite(longest):
        too_far = weeks[weeks > EXTRAPOLATION_LIMIT * longest]
        if too_far.size:
            raise ValueError(
                f"a wait of {too_far[0]:g} weeks is more than {EXTRAPOLATION_LIMIT:g} times the longest "
                f"wait seen in the cohort ({longest:.1f} weeks): the model cannot predict it"
            )
        beyond = weeks[weeks > longest]
        if beyond.size:
            notes.append(
                f"{', '.join(f'{w:g}' for w in beyond)} weeks lie beyond the longest wait seen in the "
                f"cohort ({longest:.1f} weeks): the risk there is an extrapolation of the model"
            )
    if max_risk is not None and not 0.0 < max_risk < 1.0:
        raise ValueError(f"max risk must lie between 0 and 1 (e.g. 0.10); got {max_risk}")
    used = {k: v for k, v in profile.items() if k in model.terms}
    assumed = tuple(k for k in model.terms if k not in used)
    used.update({k: model.levels[k][0] for k in assumed})
    pred = model.predict(weeks * WEEK_DAYS / MONTH_DAYS, used, conf_level=conf_level)
    latest = latest_upper = None
    search = MAX_WAIT_WEEKS if not np.isfinite(longest) else int(max(1, min(MAX_WAIT_WEEKS, np.floor(longest))))
    if max_risk is not None:
        grid = model.predict(np.arange(1, search + 1) * WEEK_DAYS / MONTH_DAYS, used, conf_level=conf_level)
        latest = _latest_week(grid.risk, max_risk)
        latest_upper = _latest_week(grid.upper, max_risk)
    return RiskPrediction(
        wait_weeks=weeks,
        risk=pred.risk,
        lower=pred.lower,
        upper=pred.upper,
        max_risk=max_risk,
        latest_week=latest,
        latest_week_upper=latest_upper,
        profile={k: used[k] for k in model.terms},
        model=model,
        assumed=assumed,
        ignored={k: v for k, v in profile.items() if k not in model.terms},
        search_weeks=search,
        warnings=tuple(notes),
    )


def describe_profile(profile: Mapping[str, str]) -> str:
    """``"growth class: moderate, operation type: separation"`` (words, not column names)."""
    return ", ".join(f"{RISK_COVARIATE_LABELS.get(k, k.replace('_', ' '))}: {v}" for k, v in profile.items())


@dataclass(frozen=True)
class TimeShape:
    """The time shape ``k`` of the risk model (``eta = a + k log t + x'b``) with its interval.

    Attributes
    ----------
    estimate, lower, upper : float
        ``k`` and its Wald interval on the log scale, ``exp(log k -/+ z se(k) / k)`` (delta
        method), which stays positive as ``k`` does.
    p_no_rise : float
        Two-sided Wald test of ``k = 0`` (the risk does not change with the wait),
        ``2 (1 - Phi(k / se(k)))``.
    conf_level : float
    """

    estimate: float
    lower: float
    upper: float
    p_no_rise: float
    conf_level: float


def time_shape(model: CurrentStatusFit, *, conf_level: float = 0.95) -> TimeShape:
    """The time shape of a fitted risk model with its log-scale interval and the test of no rise."""
    from scipy import stats

    k, se = float(model.coef[1]), float(model.se[1])
    z = float(stats.norm.ppf(0.5 + conf_level / 2.0))
    half = z * se / k if k > 0 and np.isfinite(se) else float("nan")
    p = float(2.0 * stats.norm.sf(k / se)) if se > 0 and np.isfinite(se) else float("nan")
    return TimeShape(
        estimate=k, lower=k * float(np.exp(-half)), upper=k * float(np.exp(half)), p_no_rise=p, conf_level=conf_level
    )


def wait_caution(model: CurrentStatusFit, *, conf_level: float = 0.95) -> str | None:
    """A caution when the cohort does not show the risk rising with the wait, else None.

    Given when the Wald test of ``k = 0`` is not significant at ``1 - conf_level`` (or cannot be
    computed): the predictions then mostly reflect the overall proportion with progression.
    """
    shape = time_shape(model, conf_level=conf_level)
    if np.isfinite(shape.p_no_rise) and shape.p_no_rise < 1.0 - conf_level:
        return None
    p = shape.p_no_rise
    p_text = "not computed" if not np.isfinite(p) else ("< 0.001" if p < 0.001 else f"= {min(p, 1.0):.3f}")
    return (
        f"Caution: in this cohort the risk does not clearly rise with the wait (time shape "
        f"{shape.estimate:.2f}, {100 * conf_level:g}% CI {shape.lower:.2f} to {shape.upper:.2f}; "
        f"test of no rise with the wait: P {p_text}); the predictions mostly reflect the overall "
        "proportion with progression."
    )
