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
    "RiskPrediction",
    "current_status_loglik",
    "fit_current_status",
    "fit_progression_model",
    "predict_wait_risk",
    "profile_from_patient",
]
