"""Weighted k-sample log-rank tests, as R ``survival::survdiff``, with trend and pairwise tests.

At each distinct event time :math:`t_j` (within a stratum) with :math:`n_j` at risk,
:math:`d_j` events, and :math:`n_{gj}`, :math:`d_{gj}` in group :math:`g`, a weight
:math:`w_j` gives

.. math::

    U_g = \\sum_j w_j \\Big(d_{gj} - d_j \\frac{n_{gj}}{n_j}\\Big), \\qquad
    V_{gh} = \\sum_j w_j^2 \\frac{d_j (n_j - d_j)}{n_j^2 (n_j - 1)}
             \\big(n_j n_{gj} \\delta_{gh} - n_{gj} n_{hj}\\big)

(hypergeometric variance; Mantel 1966, Peto & Peto 1972). :math:`U` and :math:`V` are summed
over strata and :math:`\\chi^2 = U' V^- U` on :math:`k - 1` df, where, as ``survdiff``, groups
with zero (weighted) expected count are dropped and so is the first remaining group before
solving. Weights (``weighting``):

* ``"logrank"``: :math:`w_j = 1` (Mantel-Cox, R ``survdiff(rho = 0)``);
* ``"breslow"``: :math:`w_j = n_j` (Gehan 1965 / Breslow 1970 generalised Wilcoxon, as SPSS);
* ``"tarone-ware"``: :math:`w_j = \\sqrt{n_j}` (Tarone & Ware 1977);
* ``"fleming-harrington"``: :math:`w_j = \\hat S(t_j-)^p (1 - \\hat S(t_j-))^q` with
  :math:`\\hat S` the pooled Kaplan-Meier curve of the stratum just before :math:`t_j`
  (Fleming & Harrington 1991; :math:`p = \\rho, q = 0` is R ``survdiff(rho = rho)``).

The test for trend (``logrank_trend_test``) uses scores :math:`c`:
:math:`(c'U)^2 / (c'Vc)` on 1 df (Collett, Modelling Survival Data, 3rd ed., sec. 2.6.4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rtdelay.errors import InputError
from rtdelay.stats._check import apply_nan_policy, check_same_length, check_survival, from_data
from rtdelay.stats._results import ResultMixin, TestResult, not_computed, small_groups
from rtdelay.stats._survtable import RiskTable, encode_groups, event_as_bool, risk_table
from rtdelay.stats._timefix import chain_starts, has_near_ties, merge_table, timefix_times

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ADJUSTMENTS",
    "WEIGHTINGS",
    "PairwiseLogrank",
    "check_weighting",
    "logrank_result",
    "logrank_test",
    "logrank_trend_test",
    "method_name",
    "pairwise_logrank",
    "sum_parts",
    "table_sums",
]

WEIGHTINGS: tuple[str, ...] = ("logrank", "breslow", "tarone-ware", "fleming-harrington")
ADJUSTMENTS: tuple[str, ...] = ("holm", "bonferroni", "BH", "none")

_METHOD_NAMES: dict[str, str] = {
    "logrank": "log-rank (Mantel-Cox)",
    "breslow": "Breslow (generalised Wilcoxon, Gehan weights)",
    "tarone-ware": "Tarone-Ware",
    "fleming-harrington": "Fleming-Harrington",
}


@dataclass(frozen=True)
class _Sums:
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


def _prepare(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    strata: ArrayLike | None,
    levels: Sequence[Any] | None = None,
    data: Any = None,
    nan_policy: str = "raise",
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.integer[Any]], tuple[Any, ...], NDArray[np.integer[Any]] | None, int]:
    time, event, group, strata = from_data(data, time=time, event=event, group=group, strata=strata)
    (time, event, group, strata), n_omitted = apply_nan_policy(nan_policy, time, event, group, strata)
    t, e = check_survival(time, event_as_bool(event))
    codes, labels = encode_groups(group, name="group", levels=levels)
    check_same_length(time=t, group=codes)
    s_codes: NDArray[np.integer[Any]] | None = None
    if strata is not None:
        s_codes, _ = encode_groups(strata, name="strata")
        check_same_length(time=t, strata=s_codes)
    if len(labels) < 2:
        shown = f" ({labels[0]!r})" if labels else ""
        raise InputError(f"a log-rank test needs at least two groups; group has {len(labels)}{shown}")
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


def _sums(
    t: NDArray[np.float64],
    e: NDArray[np.bool_],
    codes: NDArray[np.integer[Any]],
    k: int,
    s_codes: NDArray[np.integer[Any]] | None,
    weighting: str,
    p: float,
    q: float,
    timefix: bool = True,
) -> _Sums:
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


def _chisq(u: NDArray[np.float64], v: NDArray[np.float64], exp_w: NDArray[np.float64]) -> tuple[float, int]:
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


def _p_chisq(stat: float, df: float) -> float:
    from scipy.stats import chi2

    if df <= 0:
        return float("nan")
    return float(chi2.sf(stat, df))


def method_name(weighting: str, p: float, q: float, strata: bool) -> str:
    name = _METHOD_NAMES[weighting]
    if weighting == "fleming-harrington":
        name += f" (p={p:g}, q={q:g})"
    return name + (", stratified" if strata else "")


def logrank_test(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    weighting: str = "logrank",
    p: float = 0.0,
    q: float = 0.0,
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
    data: Any = None,
    nan_policy: str = "raise",
    min_group_size: int = 2,
) -> TestResult:
    """k-sample (weighted, optionally stratified) log-rank test, as R ``survdiff``.

    Parameters
    ----------
    time, event : array-like
        Follow-up times (finite, >= 0) and 0/1 event indicators.
    group : array-like
        Group labels (at least two distinct). Their order (of ``observed``, ``expected`` and
        ``groups``) is ``levels`` if given, else the categories of a pandas Categorical, else
        the sorted labels, as R orders factor levels.
    strata : array-like, optional
        Stratum labels: the stratified test (R ``survdiff(Surv(t, e) ~ g + strata(s))``).
    weighting : {"logrank", "breslow", "tarone-ware", "fleming-harrington"}
    p, q : float
        Fleming-Harrington exponents (only with ``weighting="fleming-harrington"``).
    levels : sequence, optional
        The group labels in the order to use (R ``factor(levels = )``); levels absent from the
        data are dropped, a label not among them is an error.
    timefix : bool, default True
        Merge times equal up to floating-point noise, as R's default ``timefix = TRUE``
        (``aeqSurv``, :mod:`rtdelay.stats._timefix`); ``False`` compares times exactly.
    data : pandas.DataFrame, optional
        With ``data``, ``time``, ``event``, ``group`` and ``strata`` are column names.
    nan_policy : {"raise", "omit"}
        A missing value is an error naming its index (default), or its row is dropped and
        counted in ``extra["n_omitted"]``.
    min_group_size : int, default 2
        A group with fewer patients makes the test not computed (``note`` says which); use 1
        for R's behaviour.

    Returns
    -------
    TestResult
        ``statistic`` (chi-square), ``df``, ``p_value``; ``observed`` and ``expected`` are the
        unweighted event counts O and E per group (as ``survdiff`` prints for the log-rank
        test); ``extra`` holds ``weighted_observed`` and ``weighted_expected`` (``survdiff``'s
        ``obs``/``exp`` when weights are not 1), ``variance`` (the k x k matrix V), ``n`` per
        group and ``weighting``. Without any event the test is undefined: statistic 0, df 0,
        p NaN (R ``survdiff`` reports chi-square 0 on -1 df and p NA) and a ``note``.

    Raises
    ------
    ValueError
        Fewer than two groups, a bad option, or bad input (naming the first bad index).

    Examples
    --------
    >>> from rtdelay.stats import logrank_test
    >>> res = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], ["a", "b"] * 3)
    >>> round(res.statistic, 4), res.df, res.groups
    (0.0739, 1.0, ('a', 'b'))
    """
    check_weighting(weighting, p, q)
    t, e, codes, labels, s_codes, n_omitted = _prepare(time, event, group, strata, levels, data, nan_policy)
    small = small_groups(labels, np.bincount(codes, minlength=len(labels)), min_group_size)
    if small:
        return not_computed(method_name(weighting, p, q, s_codes is not None), small, groups=labels)
    s = _sums(t, e, codes, len(labels), s_codes, weighting, float(p), float(q), timefix)
    return logrank_result(s, labels, weighting, p, q, stratified=s_codes is not None, n_omitted=n_omitted, any_event=bool(e.any()))


def sum_parts(parts: Sequence[tuple[NDArray[np.float64], ...]]) -> _Sums:
    """The per-stratum sums of :func:`table_sums` added up."""
    tot = [np.sum([part[i] for part in parts], axis=0) for i in range(7)]
    return _Sums(tot[0], tot[1], tot[2], tot[3], tot[4], tot[5], tot[6].astype(np.int64))


def logrank_result(
    s: _Sums,
    labels: tuple[Any, ...],
    weighting: str,
    p: float,
    q: float,
    *,
    stratified: bool,
    n_omitted: int,
    any_event: bool,
) -> TestResult:
    """The test result of summed U and V (shared by patient rows and count tables)."""
    stat, df = _chisq(s.u, s.v, s.exp_w)
    return TestResult(
        statistic=stat,
        df=float(df),
        p_value=_p_chisq(stat, df),
        method=method_name(weighting, p, q, stratified),
        observed=s.obs,
        expected=s.exp,
        groups=labels,
        extra={
            "weighting": weighting,
            "p": float(p),
            "q": float(q),
            "n": s.n,
            "weighted_observed": s.obs_w,
            "weighted_expected": s.exp_w,
            "variance": s.v,
            "stratified": stratified,
            "n_omitted": n_omitted,
        },
        note="" if any_event else "no events: the test is undefined",
    )


def _scores_for(labels: tuple[Any, ...], scores: Sequence[float] | Mapping[Any, float] | None) -> NDArray[np.float64]:
    k = len(labels)
    if scores is None:
        return np.arange(1.0, k + 1.0)
    if isinstance(scores, Mapping):
        missing = [lab for lab in labels if lab not in scores]
        if missing:
            raise InputError(f"scores has no value for group {missing[0]!r}")
        c = np.array([float(scores[lab]) for lab in labels])
    else:
        c = np.asarray(scores, dtype=np.float64).reshape(-1)
        if c.size != k:
            raise InputError(f"scores must have one value per group ({k}, in level order); got {c.size}")
    if not np.all(np.isfinite(c)):
        raise InputError("scores must be finite numbers")
    return c


def logrank_trend_test(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    scores: Sequence[float] | Mapping[Any, float] | None = None,
    strata: ArrayLike | None = None,
    weighting: str = "logrank",
    p: float = 0.0,
    q: float = 0.0,
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
    data: Any = None,
    nan_policy: str = "raise",
    min_group_size: int = 2,
) -> TestResult:
    """Log-rank test for trend over ordered groups: :math:`(c'U)^2 / (c'Vc)` on 1 df.

    Parameters
    ----------
    scores : sequence or mapping, optional
        One score per group in level order (``levels``, else the categories of a pandas
        Categorical, else sorted labels) or a mapping label -> score; default 1, 2, ..., k. ``U`` and ``V`` are those of :func:`logrank_test` (same ``strata``, ``levels``,
        ``timefix`` (R's default merging of near-equal times) and
        ``weighting`` options, and ``min_group_size`` as there); the statistic equals R
        ``fit <- survdiff(...); U <- fit$obs - fit$exp; (sum(c*U))^2 / (c %*% fit$var %*% c)``.

    Returns
    -------
    TestResult
        ``extra`` holds the ``scores`` used and the signed ``z = c'U / sqrt(c'Vc)``.

    Examples
    --------
    >>> from rtdelay.stats import logrank_trend_test
    >>> res = logrank_trend_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], [1, 2, 3] * 2)
    >>> round(res.statistic, 4)
    0.8147
    """
    check_weighting(weighting, p, q)
    t, e, codes, labels, s_codes, n_omitted = _prepare(time, event, group, strata, levels, data, nan_policy)
    c = _scores_for(labels, scores)
    method = "test for trend, " + method_name(weighting, p, q, s_codes is not None)
    small = small_groups(labels, np.bincount(codes, minlength=len(labels)), min_group_size)
    if small:
        return not_computed(method, small, groups=labels)
    s = _sums(t, e, codes, len(labels), s_codes, weighting, float(p), float(q), timefix)
    num = float(c @ s.u)
    den = float(c @ s.v @ c)
    if den > 0:
        stat, z, pval = num * num / den, float(num / np.sqrt(den)), _p_chisq(num * num / den, 1)
    else:
        stat, z, pval = 0.0, float("nan"), float("nan")
    return TestResult(
        statistic=stat,
        df=1.0,
        p_value=pval,
        method=method,
        observed=s.obs,
        expected=s.exp,
        groups=labels,
        extra={"scores": c, "z": z, "weighting": weighting, "n": s.n, "n_omitted": n_omitted},
        note="" if e.any() else "no events: the test is undefined",
    )


def _adjust(pvals: NDArray[np.float64], method: str) -> NDArray[np.float64]:
    """Holm, Bonferroni or Benjamini-Hochberg adjustment as R ``p.adjust`` (NaN p values left out of m).

    BH (Benjamini & Hochberg 1995): with the p values sorted decreasingly,
    :math:`\\tilde p_{(i)} = \\min_{j \\ge i} \\min(1, m p_{(j)} / j)` (R ``p.adjust(method = "BH")``).
    """
    out = np.full_like(pvals, np.nan)
    ok = np.flatnonzero(~np.isnan(pvals))
    m = ok.size
    if method == "none" or m == 0:
        out[ok] = pvals[ok]
        return out
    pv = pvals[ok]
    if method == "bonferroni":
        out[ok] = np.minimum(1.0, m * pv)
        return out
    if method == "BH":
        desc = np.argsort(-pv, kind="stable")
        rank = m - np.arange(m)  # rank of each p in increasing order, for the decreasing sort
        bh = np.minimum(1.0, np.minimum.accumulate(m / rank * pv[desc]))
        res = np.empty(m)
        res[desc] = bh
        out[ok] = res
        return out
    order = np.argsort(pv, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * pv[order]))
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


@dataclass(frozen=True, eq=False)
class PairwiseLogrank(ResultMixin):
    """Log-rank tests between every pair of groups (one entry per pair, in label order).

    Attributes
    ----------
    group1, group2 : tuple
        The labels of each pair.
    statistic, p_value, p_adjusted : numpy.ndarray
        Chi-square (1 df), raw and adjusted p value of each pair (read-only).
    adjust : str
        ``"holm"``, ``"bonferroni"``, ``"BH"`` or ``"none"`` (R ``p.adjust`` methods).
    method : str
    """

    group1: tuple[Any, ...]
    group2: tuple[Any, ...]
    statistic: NDArray[np.float64]
    p_value: NDArray[np.float64]
    p_adjusted: NDArray[np.float64]
    adjust: str
    method: str
    n_omitted: int = 0

    def __post_init__(self) -> None:
        for name in ("statistic", "p_value", "p_adjusted"):
            object.__setattr__(self, name, np.array(getattr(self, name), dtype=np.float64))
        super().__post_init__()

    def __len__(self) -> int:
        return len(self.group1)

    @property
    def columns(self) -> list[str]:
        """Column names of :meth:`to_frame` (the result reads like that table)."""
        return ["group1", "group2", "statistic", "p_value", "p_adjusted"]

    def __getitem__(self, column: str) -> Any:
        """One column of :meth:`to_frame`, e.g. ``res["p_adjusted"]``."""
        return self.to_frame()[column]

    def __repr__(self) -> str:
        best = float(np.nanmin(self.p_adjusted)) if len(self) and not np.all(np.isnan(self.p_adjusted)) else float("nan")
        return f"PairwiseLogrank({len(self)} pairs, {self.method}, adjust={self.adjust!r}, min adjusted p={best:.4g})"

    def to_frame(self) -> pd.DataFrame:
        """Columns ``group1, group2, statistic, p_value, p_adjusted``, one row per pair."""
        import pandas as pd

        return pd.DataFrame(
            {
                "group1": list(self.group1),
                "group2": list(self.group2),
                "statistic": self.statistic,
                "p_value": self.p_value,
                "p_adjusted": self.p_adjusted,
            }
        )


def pairwise_logrank(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    adjust: str = "holm",
    strata: ArrayLike | None = None,
    weighting: str = "logrank",
    p: float = 0.0,
    q: float = 0.0,
    levels: Sequence[Any] | None = None,
    timefix: bool = True,
    data: Any = None,
    nan_policy: str = "raise",
    min_group_size: int = 2,
) -> PairwiseLogrank:
    """Log-rank tests between every pair of groups, with a multiplicity adjustment.

    Each pair is tested on its own two groups' records, with R's ``timefix`` merging of
    near-equal times unless ``timefix=False`` (as R
    ``survdiff(..., subset = g %in% c(a, b))``); p values are adjusted as R ``p.adjust``.

    ``adjust`` is ``"holm"`` (default), ``"bonferroni"``, ``"BH"`` (Benjamini-Hochberg false
    discovery rate, survminer's ``pairwise_survdiff`` default) or ``"none"``.

    Returns
    -------
    PairwiseLogrank
        One entry per pair in label order; ``to_frame()`` gives columns
        ``group1, group2, statistic, p_value, p_adjusted``.

    Examples
    --------
    >>> from rtdelay.stats import pairwise_logrank
    >>> res = pairwise_logrank([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1], ["a", "b", "c"] * 2, adjust="BH")
    >>> res.to_frame()[["group1", "group2"]].values.tolist()
    [['a', 'b'], ['a', 'c'], ['b', 'c']]
    """
    if adjust not in ADJUSTMENTS:
        raise InputError(f"adjust must be one of {', '.join(ADJUSTMENTS)}; got {adjust!r}")
    check_weighting(weighting, p, q)
    t, e, codes, labels, s_codes, n_omitted = _prepare(time, event, group, strata, levels, data, nan_policy)
    g1: list[Any] = []
    g2: list[Any] = []
    stats: list[float] = []
    pvals: list[float] = []
    k = len(labels)
    for i in range(k):
        for j in range(i + 1, k):
            sel = (codes == i) | (codes == j)
            res = logrank_test(
                t[sel],
                e[sel],
                codes[sel],
                strata=None if s_codes is None else s_codes[sel],
                weighting=weighting,
                p=p,
                q=q,
                timefix=timefix,
                min_group_size=min_group_size,
            )
            g1.append(labels[i])
            g2.append(labels[j])
            stats.append(res.statistic)
            pvals.append(res.p_value)
    pv = np.asarray(pvals, dtype=np.float64)
    return PairwiseLogrank(
        group1=tuple(g1),
        group2=tuple(g2),
        statistic=np.asarray(stats, dtype=np.float64),
        p_value=pv,
        p_adjusted=_adjust(pv, adjust),
        adjust=adjust,
        method="pairwise " + method_name(weighting, p, q, s_codes is not None),
        n_omitted=n_omitted,
    )
