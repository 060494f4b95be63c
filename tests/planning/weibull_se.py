"""Delta-method standard error of a Weibull current-status model's predicted risk (test helper)."""

from __future__ import annotations

import numpy as np


def weibull_risk_se(fit, times, profile=None):
    """Standard error of the predicted risk F(t | x) by the delta method.

    Weibull PH: eta = a + k log t + x'b, F = 1 - exp(-exp(eta)), dF/deta = exp(eta - exp(eta));
    var(eta) = z' V z with z = (1, log t, x) and V the fit's covariance matrix.
    """
    t = np.asarray(times, dtype=float)
    z = np.column_stack([np.ones_like(t), np.log(t), np.tile(fit.design_row(profile or {}), (t.size, 1))])
    eta = z @ fit.coef
    se_eta = np.sqrt(np.einsum("ij,jk,ik->i", z, fit.covariance, z))
    return np.exp(eta - np.exp(eta)) * se_eta
