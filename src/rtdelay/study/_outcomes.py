"""Local control and overall survival from the start of RT, and follow-up.

Kaplan-Meier (Greenwood variance, log-log CI) overall and by group, the rate at ``rate_time``
months (the article: 12) with its CI and number at risk, and the log-rank test of PBR vs NPBR
(Mantel-Haenszel chi-square with the hypergeometric variance, R ``survdiff``).

Follow-up: ``followup_months`` (RT start to death or last contact) summarised as the article does
(mean ± SD), its median, and the reverse Kaplan-Meier median (Schemper & Smith, Control Clin
Trials 1996;17:343); the follow-up rate is ``1 - lost / included``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from rtdelay.study._common import GROUP_KEYS, GROUPS, Notes, guarded, numeric, read_curve, summarize
from rtdelay.study._results import EndpointResults, FollowUp, HazardRatio, MedianSurvival, RiskAt

if TYPE_CHECKING:
    import pandas as pd

    from rtdelay.stats import SurvivalCurve, TestResult

__all__ = ["endpoint_results", "followup_results", "ENDPOINTS", "DEFAULT_TIMES"]

#: endpoint name -> (time column, event column)
ENDPOINTS: dict[str, tuple[str, str]] = {
    "local_control": ("lc_months", "lc_event"),
    "overall_survival": ("os_months", "os_event"),
}

#: Months after RT start at which rates are read by default (journals' 6, 12 and 24 months).
DEFAULT_TIMES: tuple[float, ...] = (6.0, 12.0, 24.0)


def _median(curve: SurvivalCurve) -> MedianSurvival:
    lower, upper = curve.median_ci()
    last = float(curve.time[-1]) if len(curve.time) else math.nan
    return MedianSurvival(median=float(curve.median()), lower=lower, upper=upper, last_time=last)


def _hazard_ratio(
    time: np.ndarray, event: np.ndarray, groups: np.ndarray, ok: np.ndarray, label: str, notes: Notes
) -> HazardRatio | None:
    """Unadjusted Cox hazard ratio PBR vs NPBR, as R ``coxph(Surv(time, event) ~ pbr)``."""
    import warnings

    import pandas as pd

    from rtdelay.errors import RtdelayError, StatisticalWarning
    from rtdelay.stats import cox_ph

    data = pd.DataFrame({"t": time[ok], "e": (event[ok] == 1).astype(float), "pbr": (groups[ok] == "PBR").astype(float)})
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", StatisticalWarning)
            fit = cox_ph(data, duration="t", event="e", covariates=["pbr"])
    except (RtdelayError, ValueError, np.linalg.LinAlgError) as exc:
        notes.add(f"{label}: hazard ratio PBR vs NPBR not computed ({exc})")
        return None
    for w in caught:
        if issubclass(w.category, StatisticalWarning):
            notes.add(f"{label}: hazard ratio PBR vs NPBR: {w.message}")
    return HazardRatio(
        hazard_ratio=float(fit.hazard_ratio[0]),
        lower=float(fit.ci_lower[0]),
        upper=float(fit.ci_upper[0]),
        p_value=float(fit.p_value[0]),
        conf_level=float(fit.conf_level),
        n=int(fit.n),
        n_events=int(fit.n_events),
    )


def endpoint_results(
    frame: pd.DataFrame,
    endpoint: str,
    notes: Notes,
    *,
    rate_time: float,
    times: tuple[float, ...] = DEFAULT_TIMES,
) -> EndpointResults:
    """Kaplan-Meier curves, rates at ``rate_time`` and ``times``, medians with CI, the log-rank
    test and the unadjusted hazard ratio (Cox) of PBR vs NPBR for one endpoint."""
    from rtdelay.stats import kaplan_meier, logrank_test

    time_col, event_col = ENDPOINTS[endpoint]
    label = endpoint.replace("_", " ")
    empty_rate = RiskAt(
        time=rate_time, value=math.nan, lower=math.nan, upper=math.nan, std_err=math.nan, n_at_risk=0, n_events=0
    )
    if time_col not in frame.columns or event_col not in frame.columns:
        notes.add(f"{label}: not computed (column(s) {time_col}/{event_col} absent)")
        return EndpointResults(
            endpoint=endpoint,
            rate_time=rate_time,
            n=dict.fromkeys(GROUP_KEYS, 0),
            n_events=dict.fromkeys(GROUP_KEYS, 0),
            curves={},
            rates=dict.fromkeys(GROUP_KEYS, empty_rate),
            medians=dict.fromkeys(GROUP_KEYS, math.nan),
            logrank=None,
        )
    time = numeric(frame[time_col])
    event = numeric(frame[event_col])
    ok = ~np.isnan(time) & ~np.isnan(event)
    if not ok.all():
        notes.add(f"{label}: {int((~ok).sum())} patient(s) without {time_col}/{event_col} left out")
    groups = frame["group"].astype(str).to_numpy()
    masks = {"all": ok} | {g: ok & (groups == g) for g in GROUPS}

    curves: dict[str, SurvivalCurve] = {}
    rates: dict[str, RiskAt] = {}
    medians: dict[str, float] = {}
    median_ci: dict[str, MedianSurvival] = {}
    rates_at: dict[str, tuple[RiskAt, ...]] = {}
    for key, m in masks.items():
        if not m.any():
            notes.add(f"{label}, {key}: not computed (no patient)")
            rates[key] = empty_rate
            medians[key] = math.nan
            continue
        try:
            curve = kaplan_meier(time[m], event[m] == 1)
        except ValueError as exc:
            notes.add(f"{label}, {key}: not computed ({exc})")
            rates[key] = empty_rate
            medians[key] = math.nan
            continue
        curves[key] = curve
        rates[key] = read_curve(curve, [rate_time])[0]
        medians[key] = float(curve.median())
        median_ci[key] = _median(curve)
        rates_at[key] = tuple(read_curve(curve, list(times)))

    logrank: TestResult | None = None
    both = masks["PBR"].any() and masks["NPBR"].any()
    if not both:
        notes.add(f"{label}: log-rank test not computed (a group has no patient)")
    elif not (event[ok] == 1).any():
        notes.add(f"{label}: log-rank test not computed (no event)")
    else:
        logrank = guarded(
            notes, f"{label}: log-rank test", logrank_test, time[ok], event[ok] == 1, groups[ok]
        )
    hazard = None
    if both and (event[ok] == 1).any():
        hazard = _hazard_ratio(time, event, groups, ok & np.isin(groups, ("PBR", "NPBR")), label, notes)
    return EndpointResults(
        endpoint=endpoint,
        rate_time=rate_time,
        n={k: int(m.sum()) for k, m in masks.items()},
        n_events={k: int((event[m] == 1).sum()) for k, m in masks.items()},
        curves=curves,
        rates=rates,
        medians=medians,
        logrank=logrank,
        median_ci=median_ci,
        rates_at=rates_at,
        hazard_ratio=hazard,
    )


def followup_results(frame: pd.DataFrame, notes: Notes) -> FollowUp:
    """Follow-up months (mean ± SD, median, reverse-KM median), losses and follow-up rate."""
    from rtdelay.stats import kaplan_meier

    n = len(frame)
    if "followup_months" in frame.columns:
        months = numeric(frame["followup_months"])
    elif "os_months" in frame.columns:
        months = numeric(frame["os_months"])
    else:
        months = np.full(n, math.nan)
        notes.add("follow-up: not computed (followup_months and os_months absent)")
    reverse = math.nan
    iqr = (math.nan, math.nan)
    if "os_months" in frame.columns and "os_event" in frame.columns:
        t, e = numeric(frame["os_months"]), numeric(frame["os_event"])
        ok = ~np.isnan(t) & ~np.isnan(e)
        if ok.any():
            try:
                reverse_curve = kaplan_meier(t[ok], e[ok] == 0)
                reverse = float(reverse_curve.median())
                q25, q75 = reverse_curve.quantile([0.25, 0.75])
                iqr = (float(q25), float(q75))
            except ValueError as exc:
                notes.add(f"follow-up: reverse Kaplan-Meier median not computed ({exc})")
    if "lost_to_followup" in frame.columns:
        lost_values = numeric(frame["lost_to_followup"])
        lost = int(np.nansum(lost_values == 1))
    else:
        lost = 0
        notes.add("follow-up: lost_to_followup absent, no patient counted as lost")
    return FollowUp(
        months=summarize(months),
        median_reverse_km=reverse,
        lost=lost,
        rate=(1.0 - lost / n) if n else math.nan,
        reverse_km_iqr=iqr,
    )
