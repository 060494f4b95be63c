"""Log-rank sums: the weights, the per-stratum ``U``, ``V`` and expected counts, and chi-square.

The weightings and the formulas are described in :mod:`rtdelay.stats._logrank`; this module
computes the sums from raw data (:func:`sums`) or from a risk table (:func:`table_sums`, also
used by the count-table path), and turns ``U`` and ``V`` into a statistic (:func:`chisq`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rtdelay.errors import InputError
from rtdelay.stats._check import apply_nan_policy, check_same_length, check_survival, from_data
from rtdelay.stats._survtable import RiskTable, encode_groups, event_as_bool, risk_table
from rtdelay.stats._timefix import chain_starts, has_near_ties, merge_table, timefix_times

__all__ = [
    "WEIGHTINGS",
    "Sums",
    "check_weighting",
    "chisq",
    "method_name",
    "p_chisq",
    "prepare",
    "sum_parts",
    "sums",
    "table_sums",
]

WEIGHTINGS: tuple[str, ...] = ("logrank", "breslow", "tarone-ware", "fleming-harrington")

_METHOD_NAMES: dict[str, str] = {
    "logrank": "log-rank (Mantel-Cox)",
    "breslow": "Breslow (generalised Wilcoxon, Gehan weights)",
    "tarone-ware": "Tarone-Ware",
    "fleming-harrington": "Fleming-Harrington",
}


@dataclass(frozen=True)
class Sums:
    """U, V, weighted and unweighted observed/expected, summed over strata."""

    u: NDArray[np.float64]
    v: NDArray[np.float64]
    obs_w: NDArray[np.float64]
    exp_w: NDArray[np.float64]
    obs: NDArray[np.float64]
    exp: NDArray[np.float64]
    n: NDArray[np.int64]


def check_weighting(weighting: str, p: float, q: float) -> None:
    if weighting not in WEIGHTINGS:
        raise InputError(f"weighting must be one of {', '.join(WEIGHTINGS)}; got {weighting!r}")
    for name, val in (("p", p), ("q", q)):
        if not isinstance(val, (int, float)) or not np.isfinite(val) or val < 0:
            raise InputError(f"{name} must be a finite number >= 0; got {val!r}")
    if weighting != "fleming-harrington" and (p != 0 or q != 0):
        raise InputError("p and q apply only to weighting='fleming-harrington'")


def prepare(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    strata: ArrayLike | None,
    levels: Sequence[Any] | None = None,
    data: Any = None,
    nan_policy: str = "raise",
) -> tuple[
    NDArray[np.float64],
    NDArray[np.bool_],
    NDArray[np.integer[Any]],
    tuple[Any, ...],
    NDArray[np.integer[Any]] | None,
    int,
]:
    time, event, group, strata = from_data(data, time=time, event=event, group=group, strata=strata)
    (time, event, group, strata), n_omitted = apply_nan_policy(
        nan_policy, time, event, group, strata
    )
    t, e = check_survival(time, event_as_bool(event))
    codes, labels = encode_groups(group, name="group", levels=levels)
    check_same_length(time=t, group=codes)
    s_codes: NDArray[np.integer[Any]] | None = None
    if strata is not None:
        s_codes, _ = encode_groups(strata, name="strata")
        check_same_length(time=t, strata=s_codes)
    if len(labels) < 2:
        shown = f" ({labels[0]!r})" if labels else ""
        raise InputError(
            f"a log-rank test needs at least two groups; group has {len(labels)}{shown}"
        )
    return t, e, codes, labels, s_codes, n_omitted


def _stratum_sums(
    t: NDArray[np.float64],
    e: NDArray[np.bool_],
    codes: NDArray[np.integer[Any]],
    k: int,
    weighting: str,
    p: float,
    q: float,
    merge_ties: bool = False,
) -> tuple[NDArray[np.float64], ...]:
    """U, V, weighted O, weighted E, O, E, n for one stratum (vectorised over event times).

    ``merge_ties``: R's timefix on the table of all distinct times, then the event times kept.
    """
    tab = risk_table(t, e, codes, k, per_group=True, event_times_only=True, timefix=merge_ties)
    return table_sums(tab, weighting, p, q)


def table_sums(
    tab: RiskTable, weighting: str, p: float, q: float, *, merge_ties: bool = False
) -> tuple[NDArray[np.float64], ...]:
    """U, V, weighted O, weighted E, O, E, n of one stratum's per-group risk table.

    The one computation behind every log-rank statistic: patient rows and count tables both
    build the table and call this. With ``merge_ties`` the table holds all distinct times and
    R's timefix merges them before the event times are kept; else it holds the event times.
    """
    if merge_ties:
        starts = chain_starts(tab.time)
        if starts is None:
            starts = np.arange(tab.time.shape[0])
        tab = merge_table(tab, starts, event_rows_only=True)
    # Few full-length temporaries (each T or k x T floats), reused through ``out=``; sums over
    # times are matrix-vector products.
    n = tab.n_at_risk.astype(np.float64)
    d = tab.n_events.astype(np.float64)
    ng = tab.group_at_risk.astype(np.float64)  # (k, T), C-contiguous
    obs = tab.group_events.sum(axis=1).astype(np.float64)
    w: NDArray[np.float64] | None
    if weighting == "logrank" or (weighting == "fleming-harrington" and p == 0 and q == 0):
        w = None
    elif weighting == "breslow":
        w = n
    elif weighting == "tarone-ware":
        w = np.sqrt(n)
    else:
        # pooled KM just before each event time; a stratum without events has no event times
        s_left = np.concatenate(([1.0], np.cumprod(1.0 - d / n)))[:-1]
        w = s_left**p * (1.0 - s_left) ** q
    h = d / n  # hazard d_j / n_j; expected d_j n_gj / n_j summed over j is ng @ h
    exp = ng @ h
    if w is None:
        obs_w, exp_w = obs, exp
    else:
        obs_w = tab.group_events @ w
        exp_w = ng @ (h * w)
    # Variance factor a_j = w_j^2 d_j (n_j - d_j) / (n_j^2 (n_j - 1)) = w_j^2 h_j (n_j - d_j) / (n_j (n_j - 1)).
    a = np.subtract(n, d, out=d)
    a *= h
    den = np.subtract(n, 1.0, out=h)
    den *= n
    with np.errstate(divide="ignore", invalid="ignore"):
        a /= den
    if w is not None:
        a *= w * w
    a[n <= 1] = 0.0  # one at risk: no variance (and 0/0 above)
    # V_gh = sum_j a_j n_gj (n_j [g == h] - n_hj).
    buf = np.multiply(a, n, out=den)
    v = np.diag(ng @ buf)
    for g in range(ng.shape[0]):
        np.multiply(ng[g], a, out=buf)
        v[g] -= ng @ buf
    return obs_w - exp_w, v, obs_w, exp_w, obs, exp, tab.group_n.astype(np.float64)


def sums(
    t: NDArray[np.float64],
    e: NDArray[np.bool_],
    codes: NDArray[np.integer[Any]],
    k: int,
    s_codes: NDArray[np.integer[Any]] | None,
    weighting: str,
    p: float,
    q: float,
    timefix: bool = True,
) -> Sums:
    if s_codes is None:
        parts = [_stratum_sums(t, e, codes, k, weighting, p, q, merge_ties=timefix)]
    else:
        if timefix and has_near_ties(t):  # R applies aeqSurv to all times before the strata
            (t,) = timefix_times(t)
        order = np.argsort(s_codes, kind="stable")
        bounds = np.flatnonzero(np.diff(s_codes[order])) + 1
        parts = [
            _stratum_sums(t[idx], e[idx], codes[idx], k, weighting, p, q)
            for idx in np.split(order, bounds)
        ]
    return sum_parts(parts)


def chisq(
    u: NDArray[np.float64], v: NDArray[np.float64], exp_w: NDArray[np.float64]
) -> tuple[float, int]:
    """survdiff's statistic: drop groups with zero expected, then the first, then solve."""
    keep = np.flatnonzero(exp_w > 0)
    if keep.size < 2:
        return 0.0, 0
    sub = keep[1:]
    uu, vv = u[sub], v[np.ix_(sub, sub)]
    try:
        sol = np.linalg.solve(vv, uu)
        df = sub.size
    except np.linalg.LinAlgError:
        sol = np.linalg.pinv(vv) @ uu
        df = int(np.linalg.matrix_rank(vv))
    return float(sol @ uu), df


def p_chisq(stat: float, df: float) -> float:
    from scipy.stats import chi2

    if df <= 0:
        return float("nan")
    return float(chi2.sf(stat, df))


def method_name(weighting: str, p: float, q: float, strata: bool) -> str:
    name = _METHOD_NAMES[weighting]
    if weighting == "fleming-harrington":
        name += f" (p={p:g}, q={q:g})"
    return name + (", stratified" if strata else "")


def sum_parts(parts: Sequence[tuple[NDArray[np.float64], ...]]) -> Sums:
    """The per-stratum sums of :func:`table_sums` added up."""
    tot = [np.sum([part[i] for part in parts], axis=0) for i in range(7)]
    return Sums(tot[0], tot[1], tot[2], tot[3], tot[4], tot[5], tot[6].astype(np.int64))
