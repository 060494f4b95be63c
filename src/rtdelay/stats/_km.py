"""Kaplan-Meier estimator with Greenwood standard errors, as R ``survival::survfit``.

For distinct times :math:`t_j` with :math:`n_j` at risk and :math:`d_j` events,

.. math::

    \\hat S(t) = \\prod_{t_j \\le t} (1 - d_j / n_j), \\qquad
    V(t) = \\sum_{t_j \\le t} \\frac{d_j}{n_j (n_j - d_j)}
    \\quad \\text{(Greenwood 1926)},

and the standard error of :math:`\\hat S` is :math:`\\hat S \\sqrt{V}`. When :math:`n_j = d_j`
the Greenwood term is infinite, as in R: the curve is 0 from there on, its standard error is
NaN (R: ``0 * Inf``) and its confidence limits are NaN (R: NA).

Confidence intervals (R ``survfit_confint``, :math:`z` the normal quantile):

* ``"plain"``: :math:`\\hat S (1 \\mp z \\sqrt V)`, clipped to :math:`[0, 1]`;
* ``"log"``: :math:`\\exp(\\log \\hat S \\mp z \\sqrt V)`, upper limit clipped at 1;
* ``"log-log"`` (Kalbfleisch & Prentice 1980, the default here):
  :math:`\\hat S^{\\exp(\\pm z \\sqrt V / \\log \\hat S)}`; undefined (NaN, as R's NA) where
  :math:`\\hat S \\in \\{0, 1\\}`, e.g. at censoring times before the first event.

Median and its confidence limits follow R ``print.survfit`` (Brookmeyer & Crowley 1982): the
first time the curve (lower limit, upper limit) is at or below 0.5; if the curve sits exactly
at 0.5 on a flat stretch, the median is the midpoint of that stretch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rtdelay.errors import InputError
from rtdelay.stats._check import (
    apply_nan_policy,
    check_same_length,
    check_survival,
    check_time,
    from_data,
)
from rtdelay.stats._results import ResultMixin, fmt
from rtdelay.stats._survtable import RiskTable, encode_groups, event_as_bool, risk_table
from rtdelay.stats._timefix import chain_starts, merge_table, timefix_times

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CONF_TYPES", "SurvivalCurve", "check_km_options", "curve_from_table", "kaplan_meier"]

CONF_TYPES: tuple[str, ...] = ("log-log", "log", "plain")

# R print.survfit: values within sqrt(machine epsilon) of 0.5 count as 0.5.
_MEDIAN_TOL = float(np.finfo(np.float64).eps) ** 0.5


def check_km_options(conf_type: str, conf_level: float) -> None:
    if conf_type not in CONF_TYPES:
        raise InputError(f"conf_type must be one of {', '.join(CONF_TYPES)}; got {conf_type!r}")
    if not (isinstance(conf_level, (int, float)) and 0.0 < float(conf_level) < 1.0):
        raise InputError(f"conf_level must be a number strictly between 0 and 1; got {conf_level!r}")


def _confint(
    surv: NDArray[np.float64],
    logse: NDArray[np.float64],
    conf_type: str,
    conf_level: float,
    *,
    logse_is_scratch: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Pointwise limits from the survival and the log-scale standard error (R survfit_confint).

    With ``logse_is_scratch`` the default log-log scale overwrites ``logse`` instead of
    allocating a temporary.
    """
    from scipy.special import ndtri

    z = float(ndtri(1.0 - (1.0 - conf_level) / 2.0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = logse * surv * z
            lower = np.maximum(surv - half, 0.0)
            upper = np.minimum(surv + half, 1.0)
        elif conf_type == "log":
            xx = np.where(surv == 0.0, np.nan, surv)
            lower = np.exp(np.log(xx) - z * logse)
            upper = np.minimum(np.exp(np.log(xx) + z * logse), 1.0)
        else:
            # exp(-exp(log(-log S) -/+ h)) written as exp(log S * exp(-/+ h)): same value,
            # fewer transcendental calls and temporaries. NaN where S is 0 or 1 (R: NA).
            lxx = np.log(surv)
            lxx[(surv == 0.0) | (surv == 1.0)] = np.nan
            scale = np.multiply(logse, z, out=logse if logse_is_scratch else None)
            scale /= lxx
            np.exp(scale, out=scale)
            lower = np.divide(lxx, scale)
            np.exp(lower, out=lower)
            upper = lxx
            upper *= scale
            del scale
            np.exp(upper, out=upper)
    return lower, upper


def _minmin(y: NDArray[np.float64], x: NDArray[np.float64], level: float = 0.5) -> float:
    """First ``x`` where ``y <= level`` (R ``survmean``'s ``minmin``), NaN if never."""
    keep = ~np.isnan(y) & (y < level + _MEDIAN_TOL)
    if not keep.any():
        return float("nan")
    xk, yk = x[keep], y[keep]
    if abs(yk[0] - level) < _MEDIAN_TOL:
        below = np.flatnonzero(yk < yk[0])
        if below.size:
            return float((xk[0] + xk[below[0]]) / 2.0)
    return float(xk[0])


@dataclass(frozen=True, eq=False)
class SurvivalCurve(ResultMixin):
    """A Kaplan-Meier curve at every distinct observed time (events or censorings).

    Attributes
    ----------
    time : numpy.ndarray
        Distinct observed times, increasing (as R ``survfit``'s ``time``).
    survival : numpy.ndarray
        :math:`\\hat S(t)` just after each time (right-continuous).
    std_err : numpy.ndarray
        Greenwood standard error on the survival scale, :math:`\\hat S \\sqrt{V}` (as R's
        ``summary`` prints it; ``survfit``'s own ``std.err`` is :math:`\\sqrt V`).
    lower, upper : numpy.ndarray
        Pointwise confidence limits (NaN where undefined, as R's NA).
    n_at_risk, n_events, n_censored : numpy.ndarray
        Risk set size, events and censorings at each time.
    conf_type : str
    conf_level : float
    n_omitted : int
        Records dropped for a missing value (``nan_policy="omit"``).
    """

    time: NDArray[np.float64]
    survival: NDArray[np.float64]
    std_err: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    n_at_risk: NDArray[np.int64]
    n_events: NDArray[np.int64]
    n_censored: NDArray[np.int64]
    conf_type: str = "log-log"
    conf_level: float = 0.95
    n_omitted: int = 0

    @property
    def n(self) -> int:
        """Number of records (at risk at the first time; with entry times, those at risk then)."""
        return int(self.n_at_risk[0]) if self.n_at_risk.size else 0

    def __repr__(self) -> str:
        lcl, ucl = self.median_ci()
        level = f"{100 * self.conf_level:g}%"
        return (
            f"SurvivalCurve(n={self.n}, events={int(self.n_events.sum())}, median={fmt(self.median())} "
            f"({level} CI {fmt(lcl)}-{fmt(ucl)}), conf_type={self.conf_type!r})"
        )

    def summary(self) -> pd.DataFrame:
        """One row as R ``print(survfit)``: ``n, events, median, lower, upper``."""
        import pandas as pd

        lcl, ucl = self.median_ci()
        return pd.DataFrame(
            [{"n": self.n, "events": int(self.n_events.sum()), "median": self.median(), "lower": lcl, "upper": ucl}]
        )

    def at(self, times: ArrayLike, *, extend: bool = False) -> NDArray[np.float64]:
        """Survival at ``times`` as a right-continuous step function.

        1 before the first observed time; NaN for NaN input and after the last observed time
        (the curve is not carried forward silently) unless ``extend=True``, which carries the
        last value forward (as R ``summary(fit, times, extend = TRUE)``).

        Examples
        --------
        >>> from rtdelay.stats import kaplan_meier
        >>> km = kaplan_meier([1, 2, 3], [1, 0, 0])
        >>> km.at([0.5, 1, 5]).tolist(), km.at([5], extend=True).tolist()
        ([1.0, 0.6666666666666667, nan], [0.6666666666666667])
        """
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        idx = np.searchsorted(self.time, t, side="right") - 1
        surv_ext = np.concatenate(([1.0], self.survival))
        out = surv_ext[idx + 1]
        last = self.time[-1] if self.time.size else -np.inf
        out[((t > last) & (not extend)) | np.isnan(t)] = np.nan
        return out

    def summary_at(self, times: ArrayLike) -> pd.DataFrame:
        """Table at ``times`` as R ``summary(survfit(...), times = times)``.

        Rows are in increasing time order (R sorts ``times``). ``n_at_risk`` is the risk set at
        the time, ``n_events`` counts events in (previous requested time, this time], and the
        survival, standard error (survival scale) and limits are those of the curve at the time.
        Unlike R, which drops requested times after the last observed time, such rows are kept
        with NaN survival, standard error and limits and 0 at risk.

        Raises
        ------
        ValueError
            If a requested time is negative or not finite (naming its index).
        """
        import pandas as pd

        req = np.atleast_1d(np.asarray(times, dtype=np.float64))
        bad = ~np.isfinite(req) | (req < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"times must be finite and non-negative; index {i} has {req[i]!r}")
        req = np.sort(req, kind="stable")
        # R survfit0: a row at time 0 with S = 1, SE 0 and limits 1 unless 0 is an observed time.
        add0 = self.time.size == 0 or self.time[0] != 0.0
        t0 = np.concatenate(([0.0], self.time)) if add0 else self.time
        s0 = np.concatenate(([1.0], self.survival)) if add0 else self.survival
        se0 = np.concatenate(([0.0], self.std_err)) if add0 else self.std_err
        lo0 = np.concatenate(([1.0], self.lower)) if add0 else self.lower
        up0 = np.concatenate(([1.0], self.upper)) if add0 else self.upper
        nr0 = np.concatenate(([self.n], self.n_at_risk)) if add0 else self.n_at_risk
        ev0 = np.concatenate(([0], self.n_events)) if add0 else self.n_events
        index1 = np.searchsorted(t0, req, side="right")  # R findInterval
        index2 = np.searchsorted(t0, req, side="left")  # R findInterval(left.open) (0-based + 1)
        row = np.maximum(index1, 1) - 1
        cum_ev = np.concatenate(([0], np.cumsum(ev0)))
        n_events = np.diff(np.concatenate(([0], cum_ev[index1])))
        n_risk = np.concatenate((nr0, [0]))[index2]
        beyond = req > (t0[-1] if t0.size else -np.inf)
        cols: dict[str, Any] = {
            "time": req,
            "n_at_risk": n_risk.astype(np.int64),
            "n_events": n_events.astype(np.int64),
        }
        for name, arr in (("survival", s0), ("std_err", se0), ("lower", lo0), ("upper", up0)):
            vals = arr[row].astype(np.float64)
            vals[beyond] = np.nan
            cols[name] = vals
        return pd.DataFrame(cols)

    def median(self) -> float:
        """Median survival time as R ``print(survfit(...))``; NaN if not reached."""
        return _minmin(self.survival, self.time)

    def median_ci(self) -> tuple[float, float]:
        """Confidence limits of the median (R's ``0.95LCL``, ``0.95UCL``); NaN if not reached.

        As R, the lower limit (LCL) is the first time the lower confidence curve is at or below
        0.5 and the upper limit (UCL) the first time the upper curve is.
        """
        return _minmin(self.lower, self.time), _minmin(self.upper, self.time)

    def quantile(self, probs: ArrayLike) -> NDArray[np.float64]:
        """Times by which a fraction ``probs`` has had the event, as R ``quantile(survfit(...))``.

        The ``p`` quantile is the first time the curve is at or below ``1 - p`` (the midpoint of
        a flat stretch lying exactly on ``1 - p``); NaN when the curve never gets that low.

        Examples
        --------
        >>> curve = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])
        >>> curve.quantile([0.25, 0.5, 0.75]).tolist()
        [1.5, 2.5, 3.5]
        """
        ps = np.atleast_1d(np.asarray(probs, dtype=float))
        if np.any((ps <= 0) | (ps >= 1)):
            raise ValueError("quantile probabilities must lie strictly between 0 and 1")
        return np.array([_minmin(self.survival, self.time, 1.0 - p) for p in ps], dtype=float)

    def to_frame(self) -> pd.DataFrame:
        """The whole curve, one row per distinct time."""
        import pandas as pd

        return pd.DataFrame(
            {
                "time": self.time,
                "n_at_risk": self.n_at_risk,
                "n_events": self.n_events,
                "n_censored": self.n_censored,
                "survival": self.survival,
                "std_err": self.std_err,
                "lower": self.lower,
                "upper": self.upper,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python dict of the curve plus its median and median CI (NaN -> None)."""
        out = super().to_dict()
        lcl, ucl = self.median_ci()
        out.update(
            {"n": self.n, "median": _none(self.median()), "median_lower": _none(lcl), "median_upper": _none(ucl)}
        )
        return out


def _none(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


@overload
def kaplan_meier(
    time: ArrayLike | Sequence[float],
    event: ArrayLike | Sequence[int],
    *,
    conf_type: str = ...,
    conf_level: float = ...,
    entry: ArrayLike | None = ...,
    timefix: bool = ...,
    group: None = ...,
    levels: Sequence[Any] | None = ...,
    data: Any = ...,
    nan_policy: str = ...,
) -> SurvivalCurve: ...


@overload
def kaplan_meier(
    time: ArrayLike | Sequence[float],
    event: ArrayLike | Sequence[int],
    *,
    conf_type: str = ...,
    conf_level: float = ...,
    entry: ArrayLike | None = ...,
    timefix: bool = ...,
    group: ArrayLike | str,
    levels: Sequence[Any] | None = ...,
    data: Any = ...,
    nan_policy: str = ...,
) -> dict[Any, SurvivalCurve]: ...


def kaplan_meier(
    time: ArrayLike | Sequence[float],
    event: ArrayLike | Sequence[int],
    *,
    conf_type: str = "log-log",
    conf_level: float = 0.95,
    entry: ArrayLike | None = None,
    timefix: bool = True,
    group: ArrayLike | str | None = None,
    levels: Sequence[Any] | None = None,
    data: Any = None,
    nan_policy: str = "raise",
) -> SurvivalCurve | dict[Any, SurvivalCurve]:
    """Kaplan-Meier estimate with Greenwood standard errors and pointwise confidence limits.

    Parameters
    ----------
    time : array-like of float
        Follow-up times, finite and non-negative.
    event : array-like of 0/1 or bool
        1 = event, 0 = right-censored.
    conf_type : {"log-log", "log", "plain"}
        Scale of the confidence interval (R ``survfit(conf.type=)``); default log-log.
    conf_level : float
        Confidence level, default 0.95.
    entry : array-like of float, optional
        Entry (left-truncation) times, each below its ``time``: a record is at risk at ``t``
        when ``entry < t <= time`` (R ``survfit(Surv(entry, time, event) ~ 1)``), e.g. a
        landmark analysis from surgery of patients seen only from radiotherapy on.
    timefix : bool, default True
        Merge times equal up to floating-point noise as R's default ``timefix = TRUE``
        (``aeqSurv``; see :mod:`rtdelay.stats._timefix`); ``False`` compares times exactly.
    group : array-like, optional
        Group labels: one curve per group, returned as a dict ``{label: SurvivalCurve}`` in
        level order (R ``survfit(Surv(time, event) ~ group)``).
    levels : sequence, optional
        Order of the group labels (else the categories of a pandas Categorical, else sorted).
    data : pandas.DataFrame, optional
        With ``data``, ``time``, ``event``, ``entry`` and ``group`` are column names.
    nan_policy : {"raise", "omit"}
        A missing value is an error naming its index (default), or its row is dropped and
        counted in ``n_omitted``.

    Returns
    -------
    SurvivalCurve, or dict of them when ``group`` is given

    Raises
    ------
    ValueError
        Bad option, or bad input (the message names the first offending index).

    Notes
    -----
    Agrees with R ``survfit(Surv(time, event) ~ 1, conf.type = conf_type)`` (see
    ``tests/reference/km_logrank.R`` and ``audit_issue11.R``), including R's ``timefix``.

    References
    ----------
    Kaplan EL, Meier P. JASA 1958;53:457-81. Greenwood M. Rep Public Health Med Subj 1926;33.
    Kalbfleisch JD, Prentice RL. The Statistical Analysis of Failure Time Data, 1980.

    Examples
    --------
    >>> from rtdelay.stats import kaplan_meier
    >>> km = kaplan_meier([1, 2, 3, 4, 5], [1, 0, 1, 1, 0])
    >>> km.survival.round(3).tolist()
    [0.8, 0.8, 0.533, 0.267, 0.267]
    >>> km.median()
    4.0
    >>> curves = kaplan_meier([1, 2, 3, 4], [1, 1, 0, 1], group=["b", "a", "b", "a"], levels=["b", "a"])
    >>> list(curves)
    ['b', 'a']
    """
    check_km_options(conf_type, conf_level)
    time, event, entry, group = from_data(data, time=time, event=event, entry=entry, group=group)
    (time, event, entry, group), n_omitted = apply_nan_policy(nan_policy, time, event, entry, group)
    t, e = check_survival(time, event_as_bool(event))
    if t.size == 0:
        raise InputError("time is empty: the Kaplan-Meier estimate needs at least one record")
    en = None if entry is None else _check_entry(entry, t)
    if group is not None:
        codes, labels = encode_groups(group, name="group", levels=levels)
        check_same_length(time=t, group=codes)
        return {
            lab: _one_curve(
                t[codes == i],
                e[codes == i],
                None if en is None else en[codes == i],
                conf_type=conf_type,
                conf_level=conf_level,
                timefix=timefix,
                n_omitted=n_omitted,
            )
            for i, lab in enumerate(labels)
        }
    return _one_curve(t, e, en, conf_type=conf_type, conf_level=conf_level, timefix=timefix, n_omitted=n_omitted)


def _check_entry(entry: ArrayLike, t: NDArray[np.float64]) -> NDArray[np.float64]:
    en = check_time(entry, name="entry")
    check_same_length(time=t, entry=en)
    bad = en >= t
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"entry must be below time; index {i} has entry {float(en[i])} and time {float(t[i])}")
    return en


def _one_curve(
    t: NDArray[np.float64],
    e: NDArray[np.bool_],
    en: NDArray[np.float64] | None,
    *,
    conf_type: str,
    conf_level: float,
    timefix: bool,
    n_omitted: int = 0,
) -> SurvivalCurve:
    """Kaplan-Meier curve of checked arrays (``en``: entry times or None)."""
    if en is not None and timefix:
        en, t = timefix_times(en, t)
    tab = risk_table(t, e, timefix=timefix and en is None)  # timefix merged in the one pass
    if en is not None:  # at risk at t: entry < t <= time, i.e. (time >= t) minus (entry >= t)
        late = en.size - np.searchsorted(np.sort(en), tab.time, side="left")
        tab = dataclasses.replace(tab, n_at_risk=tab.n_at_risk - late)
    # R applies aeqSurv once: the times are merged already (in the one pass, or by
    # timefix_times with entry times). Merging the merged table again re-computes R's scale
    # (the mean of the distinct times) on fewer times and could tie two more.
    return curve_from_table(tab, conf_type=conf_type, conf_level=conf_level, merge_ties=False, n_omitted=n_omitted)


def curve_from_table(
    tab: RiskTable, *, conf_type: str, conf_level: float, merge_ties: bool, n_omitted: int = 0
) -> SurvivalCurve:
    """Kaplan-Meier curve of a risk-set table: the one computation behind every curve.

    Patient rows (:func:`kaplan_meier`) and count tables
    (:func:`rtdelay.stats.kaplan_meier_counts`) both build a :class:`RiskTable` and call this.
    ``merge_ties`` applies R's timefix to the table's times (the table's count arrays are
    updated in place: pass a table just built).
    """
    if merge_ties:
        starts = chain_starts(tab.time)
        if starts is not None:
            tab = merge_table(tab, starts)
    # In-place steps on two work arrays keep the temporaries few (10 million records fit in
    # well under 2 GB, and fewer fresh pages are touched).
    surv: NDArray[np.float64] = np.divide(tab.n_events, tab.n_at_risk, dtype=np.float64)  # h = d / n
    logse = np.subtract(tab.n_at_risk, tab.n_events, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Greenwood term d / (n (n - d)) = h / (n - d): 0 when d = 0, inf when n = d.
        np.divide(surv, logse, out=logse)
        np.cumsum(logse, out=logse)
        np.sqrt(logse, out=logse)
        np.subtract(1.0, surv, out=surv)
        np.cumprod(surv, out=surv)
        std_err = surv * logse
    # logse is not kept: the confidence limits may use it as scratch space.
    lower, upper = _confint(surv, logse, conf_type, float(conf_level), logse_is_scratch=True)
    return SurvivalCurve(
        time=tab.time,
        survival=surv,
        std_err=std_err,
        lower=lower,
        upper=upper,
        n_at_risk=tab.n_at_risk,
        n_events=tab.n_events,
        n_censored=tab.n_censored,
        conf_type=conf_type,
        conf_level=float(conf_level),
        n_omitted=n_omitted,
    )
