"""Planning tools: the risk of progression for a given wait (and, later, capacity).

The risk model is a parametric current-status regression (Weibull proportional hazards or
log-logistic proportional odds), fitted on the inspection time and progression status of
each patient's pre-radiotherapy MRI.

The public names are loaded lazily: ``import rtdelay.planning`` does not import scipy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rtdelay._lazy import lazy_attributes

if TYPE_CHECKING:
    from rtdelay.planning._cs_regression import (
        BASELINES,
        CurrentStatusFit,
        current_status_loglik,
        fit_current_status,
    )
    from rtdelay.planning._risk import (
        RISK_COVARIATES,
        RiskPrediction,
        fit_progression_model,
        predict_wait_risk,
        profile_from_patient,
    )
    from rtdelay.planning.capacity import CapacityPlan, PlannerSettings, plan_capacity

_LAZY: dict[str, str] = {
    "BASELINES": "_cs_regression",
    "CurrentStatusFit": "_cs_regression",
    "current_status_loglik": "_cs_regression",
    "fit_current_status": "_cs_regression",
    "RISK_COVARIATES": "_risk",
    "RiskPrediction": "_risk",
    "fit_progression_model": "_risk",
    "predict_wait_risk": "_risk",
    "profile_from_patient": "_risk",
    # capacity planner (issue 15): the subpackage rtdelay.planning.capacity
    "CapacityPlan": "capacity",
    "PlannerSettings": "capacity",
    "plan_capacity": "capacity",
}

__all__ = [
    "BASELINES",
    "RISK_COVARIATES",
    "CurrentStatusFit",
    "RiskPrediction",
    "current_status_loglik",
    "fit_current_status",
    "fit_progression_model",
    "predict_wait_risk",
    "profile_from_patient",
    "CapacityPlan",
    "PlannerSettings",
    "plan_capacity",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
