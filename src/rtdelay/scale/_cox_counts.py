"""Cox model of one binary covariate (PBR vs NPBR) from count tables, Efron ties.

With :math:`n_{0j}, n_{1j}` at risk and :math:`d_{0j}, d_{1j}` events in the two groups at time
:math:`t_j` (within a stratum), :math:`d_j = d_{0j} + d_{1j}` and, for :math:`r = 0..d_j-1`,
:math:`f = r/d_j`,

.. math::

    A_{jr} = n_{0j} + n_{1j} e^\\beta - f (d_{0j} + d_{1j} e^\\beta), \\quad
    B_{jr} = (n_{1j} - f d_{1j}) e^\\beta,

the Efron log partial likelihood is :math:`\\sum_j d_{1j}\\beta - \\sum_{jr} \\log A_{jr}`, the
score :math:`U = \\sum_j d_{1j} - \\sum_{jr} B_{jr}/A_{jr}` and the information
:math:`I = \\sum_{jr} (B_{jr}/A_{jr})(1 - B_{jr}/A_{jr})` (the covariate is 0/1). The counts
are all the partial likelihood needs: summed over sites as strata, the score and information
are exactly those of R ``coxph(Surv(t, e) ~ pbr + strata(site))``; Newton-Raphson from 0.

Reference: Efron B. JASA 1977;72:557-65. Therneau TM, Grambsch PM. Modeling Survival Data, 2000.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from rtdelay.stats import EventCounts

__all__ = ["cox_binary_counts", "fixed_effect"]


def _rows(counts: EventCounts, exposed: Any) -> tuple[NDArray[np.float64], ...]:
    """n0, n1, d0, d1 at each (stratum, event time)."""
    labels = list(counts.group_labels)
    g1 = labels.index(exposed) if exposed in labels else -1
    out: list[list[float]] = [[], [], [], []]
    leaving = counts.n_leaving
    for s in range(len(counts.stratum_labels)):
        in_s = counts.stratum == s
        ut, inv = np.unique(counts.time[in_s], return_inverse=True)
        m = ut.shape[0]
        is1 = (counts.group[in_s] == g1).astype(np.intp)
        cell = is1 * m + inv.reshape(-1)
        tot = np.bincount(cell, weights=leaving[in_s], minlength=2 * m).reshape(2, m)
        d = np.bincount(cell, weights=counts.n_event_1[in_s], minlength=2 * m).reshape(2, m)
        n = tot[:, ::-1].cumsum(axis=1)[:, ::-1]
        ev = d.sum(axis=0) > 0
        for arr, lst in ((n[0], out[0]), (n[1], out[1]), (d[0], out[2]), (d[1], out[3])):
            lst.extend(arr[ev].tolist())
    return tuple(np.asarray(x, dtype=np.float64) for x in out)


def cox_binary_counts(
    counts: EventCounts, *, exposed: Any = "PBR", conf_level: float = 0.95, max_iter: int = 30
) -> dict[str, Any]:
    """Hazard ratio of group ``exposed`` vs the others, stratified by the table's strata.

    Returns a dict: ``log_hr``, ``se``, ``hazard_ratio``, ``lower``, ``upper``, ``p_value``
    (Wald), ``n_events``, ``iterations``, ``note`` (non-empty when not estimable: no event in
    a group, which makes the estimate infinite).
    """
    n0, n1, d0, d1 = _rows(counts, exposed)
    dd = (d0 + d1).astype(np.int64)
    empty = {"log_hr": None, "se": None, "hazard_ratio": None, "lower": None, "upper": None, "p_value": None,
             "n_events": int(dd.sum()), "iterations": 0}
    if d1.sum() == 0 or d0.sum() == 0:
        return empty | {"note": "a group has no event: the hazard ratio is not estimable"}
    idx = np.repeat(np.arange(dd.shape[0]), dd)
    f = (np.arange(idx.shape[0]) - np.repeat(np.cumsum(dd) - dd, dd)) / np.repeat(dd, dd)
    N0, N1, D0, D1 = n0[idx], n1[idx], d0[idx], d1[idx]
    beta, iterations = 0.0, 0
    info = 0.0

    def parts(b: float) -> tuple[float, float, float]:
        eb = np.exp(b)
        a = N0 + N1 * eb - f * (D0 + D1 * eb)
        bb = (N1 - f * D1) * eb
        ratio = bb / a
        return float(d1.sum() * b - np.log(a).sum()), float(d1.sum() - ratio.sum()), float((ratio * (1 - ratio)).sum())

    loglik, score, info = parts(beta)
    for step_no in range(1, max_iter + 1):
        iterations = step_no
        step = score / info
        new = beta + step
        ll_new, sc_new, in_new = parts(new)
        while ll_new < loglik - 1e-12 and abs(step) > 1e-12:  # step halving, as coxph
            step /= 2
            new = beta + step
            ll_new, sc_new, in_new = parts(new)
        converged = abs(ll_new - loglik) <= 1e-12 * max(1.0, abs(loglik)) and abs(step) < 1e-10
        beta, loglik, score, info = new, ll_new, sc_new, in_new
        if converged:
            break
    if not np.isfinite(beta) or abs(beta) > 15 or info <= 1e-10:
        return empty | {"note": "the estimate diverges (monotone likelihood): the hazard ratio is not estimable"}
    se = float(1.0 / np.sqrt(info))
    z = float(norm.ppf(0.5 + conf_level / 2))
    return {
        "log_hr": beta,
        "se": se,
        "hazard_ratio": float(np.exp(beta)),
        "lower": float(np.exp(beta - z * se)),
        "upper": float(np.exp(beta + z * se)),
        "p_value": float(2 * norm.sf(abs(beta / se))),
        "n_events": int(dd.sum()),
        "iterations": iterations,
        "note": "",
    }


def fixed_effect(estimates: dict[str, dict[str, Any]], *, conf_level: float = 0.95) -> dict[str, Any]:
    """Inverse-variance fixed-effect meta-analysis of per-site log hazard ratios.

    :math:`\\hat\\beta = \\sum w_i \\hat\\beta_i / \\sum w_i`, :math:`w_i = 1/\\mathrm{SE}_i^2`,
    :math:`\\mathrm{SE} = (\\sum w_i)^{-1/2}`; sites without an estimate are left out and named.
    """
    used = {s: e for s, e in estimates.items() if e.get("log_hr") is not None and e.get("se")}
    left = sorted(set(estimates) - set(used))
    if not used:
        return {"log_hr": None, "se": None, "hazard_ratio": None, "lower": None, "upper": None, "p_value": None,
                "sites_used": [], "sites_left_out": left}
    w = np.array([1.0 / e["se"] ** 2 for e in used.values()])
    b = np.array([e["log_hr"] for e in used.values()])
    beta = float((w * b).sum() / w.sum())
    se = float(1.0 / np.sqrt(w.sum()))
    z = float(norm.ppf(0.5 + conf_level / 2))
    return {
        "log_hr": beta,
        "se": se,
        "hazard_ratio": float(np.exp(beta)),
        "lower": float(np.exp(beta - z * se)),
        "upper": float(np.exp(beta + z * se)),
        "p_value": float(2 * norm.sf(abs(beta / se))),
        "sites_used": sorted(used),
        "sites_left_out": left,
    }
