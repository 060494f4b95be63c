"""Planning tools: the risk of progression for a given wait (and, later, capacity).

The risk model is a parametric current-status regression (Weibull proportional hazards or
log-logistic proportional odds), fitted on the inspection time and progression status of
each patient's pre-radiotherapy MRI.
"""

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
]

# Capacity planner (issue 15): the subpackage rtdelay.planning.capacity; its main entry points here.
from rtdelay.planning.capacity import CapacityPlan, PlannerSettings, plan_capacity  # noqa: E402

__all__ += ["CapacityPlan", "PlannerSettings", "plan_capacity"]
