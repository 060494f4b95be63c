"""Risk of progression before radiotherapy for a given wait: the calculator behind ``rtdelay risk``.

The model is the parametric current-status regression of ``_cs_regression`` fitted on the
eligible patients of a cohort: inspection time = months from surgery to the pre-RT MRI (else to
the start of RT), progressed = PBR. Covariates are Tomita's growth class of the histology
(slow / moderate / rapid), the operation type and the Bilsky ESCC grade; a covariate with one
level in the cohort, or whose levels separate progression perfectly, is dropped with a note.

Waits are given in weeks after surgery and converted with 1 month = 30.4375 days.
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
    "RISK_COVARIATES",
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

_REFERENCE = {"growth_class": "moderate", "surgery_type": "separation", "escc_grade": "3"}
WEEK_DAYS = 7.0


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
        Latest whole week (1..104) at which the predicted risk stays at or below ``max_risk``
        (0 if even week 1 exceeds it; None without ``max_risk``).
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
    """
    weeks = np.asarray(list(wait_weeks), dtype=float)
    if weeks.size == 0 or np.any(~np.isfinite(weeks)) or np.any(weeks <= 0):
        raise ValueError("wait weeks must be positive numbers")
    if max_risk is not None and not 0.0 < max_risk < 1.0:
        raise ValueError(f"max risk must lie between 0 and 1 (e.g. 0.10); got {max_risk}")
    used = {k: v for k, v in profile.items() if k in model.terms}
    assumed = tuple(k for k in model.terms if k not in used)
    used.update({k: model.levels[k][0] for k in assumed})
    pred = model.predict(weeks * WEEK_DAYS / MONTH_DAYS, used, conf_level=conf_level)
    latest = latest_upper = None
    if max_risk is not None:
        grid = model.predict(np.arange(1, 105) * WEEK_DAYS / MONTH_DAYS, used, conf_level=conf_level)
        latest = _latest_week(grid["risk"], max_risk)
        latest_upper = _latest_week(grid["upper"], max_risk)
    return RiskPrediction(
        wait_weeks=weeks,
        risk=pred["risk"],
        lower=pred["lower"],
        upper=pred["upper"],
        max_risk=max_risk,
        latest_week=latest,
        latest_week_upper=latest_upper,
        profile={k: used[k] for k in model.terms},
        model=model,
        assumed=assumed,
        ignored={k: v for k, v in profile.items() if k not in model.terms},
    )
