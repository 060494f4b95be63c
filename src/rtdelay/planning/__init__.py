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
        CurrentStatusPrediction,
        current_status_loglik,
        fit_current_status,
    )
    from rtdelay.planning._risk import (
        EXTRAPOLATION_LIMIT,
        MAX_WAIT_WEEKS,
        RISK_COVARIATE_LABELS,
        RISK_COVARIATES,
        RiskPrediction,
        TimeShape,
        describe_profile,
        fit_progression_model,
        predict_wait_risk,
        profile_from_patient,
        time_shape,
        wait_caution,
    )
    from rtdelay.planning.capacity import CapacityPlan, PlannerSettings, plan_capacity

_LAZY: dict[str, str] = {
    "BASELINES": "_cs_regression",
    "CurrentStatusFit": "_cs_regression",
    "CurrentStatusPrediction": "_cs_regression",
    "current_status_loglik": "_cs_regression",
    "fit_current_status": "_cs_regression",
    "RISK_COVARIATES": "_risk",
    "RiskPrediction": "_risk",
    "fit_progression_model": "_risk",
    "predict_wait_risk": "_risk",
    "profile_from_patient": "_risk",
    "EXTRAPOLATION_LIMIT": "_risk",
    "MAX_WAIT_WEEKS": "_risk",
    "RISK_COVARIATE_LABELS": "_risk",
    "TimeShape": "_risk",
    "describe_profile": "_risk",
    "time_shape": "_risk",
    "wait_caution": "_risk",
    # capacity planner (issue 15): the subpackage rtdelay.planning.capacity
    "CapacityPlan": "capacity",
    "PlannerSettings": "capacity",
    "plan_capacity": "capacity",
}

__all__ = [
    "BASELINES",
    "EXTRAPOLATION_LIMIT",
    "MAX_WAIT_WEEKS",
    "RISK_COVARIATE_LABELS",
    "RISK_COVARIATES",
    "TimeShape",
    "describe_profile",
    "time_shape",
    "wait_caution",
    "CurrentStatusFit",
    "CurrentStatusPrediction",
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
