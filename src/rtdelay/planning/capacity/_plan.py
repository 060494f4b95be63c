"""The capacity planner: simulate policies and weekly capacities on common random numbers.

For each replication the same patients (surgery, readiness, risk profile, death) and the same
machine breakdowns are used for every policy and every capacity, so differences between
scenarios are paired and their CIs narrow. Per replication the planner records the wait from
readiness to the course start (weeks), the shares starting within 2, 4 and 8 weeks of
readiness and of surgery, the expected number of progressions before RT
``sum_i F(t_i | x_i)`` with ``t_i`` the time from surgery to the start (or to death for those
who died waiting), deaths while waiting, the queue length each week and Little's law.
Summaries are means over replications with normal 95 % CIs; the marginal value of going from
``K`` to ``K'`` starts a week is the paired mean difference in progressions per year.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from rtdelay.errors import InputError
from rtdelay.planning.capacity._calendar import WEEKDAYS, Downtime, SlotCalendar
from rtdelay.planning.capacity._engine import Slots, fifo_starts, priority_starts
from rtdelay.planning.capacity._harm import HarmModel
from rtdelay.planning.capacity._patients import PatientDraws, draw_patients, streams
from rtdelay.planning.capacity._queue_stats import (
    leave_times,
    little_check,
    mean_ci,
    queue_length_on_grid,
    row_quantile,
)
from rtdelay.planning.capacity._results import (
    WAIT_BINS_WEEKS,
    CapacityPlan,
    MarginalValue,
    ScenarioResult,
)

__all__ = ["POLICIES", "PlannerSettings", "plan_capacity"]

POLICIES: dict[str, str] = {
    "fifo": "first come first served (by readiness)",
    "deadline": "earliest deadline first (deadline = surgery + deadline weeks)",
    "risk": "highest predicted risk of progression by the deadline first",
}
WITHIN_WEEKS = (2, 4, 8)
MAX_PATIENT_DRAWS = 1e7
"""Upper bound on patients x replications of one call (about 1 GB of arrays)."""
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class PlannerSettings:
    """Inputs of the planner other than the capacities and policies compared.

    Parameters
    ----------
    arrivals_per_week : float or None
        Poisson rate of operations; ``None`` with ``surgery_days`` replays those instead.
    surgery_days : sequence of float, optional
        Days of the operations to replay (day 0 = ``start_date``).
    ready_after_days : float or (low, high)
        Fixed readiness interval after surgery, or a uniform range.
    start_days : sequence of int
        Weekdays (0 = Monday) with course starts.
    years : float
        Simulated period of operations.
    deadline_weeks : float
        Target start, weeks after surgery (earliest-deadline policy and the risk key).
    reserved_urgent : int
        Starts a week reserved for urgent patients (the first ones of each week).
    urgent_fraction : float
        Urgent = predicted risk by the deadline at or above the cohort's ``1 - urgent_fraction``
        quantile (the top quarter by default).
    death_rate_per_year : float
        Constant hazard of death while waiting.
    start_date, holidays, downtime
        Calendar: day 0, dates without starts, machine downtime.
    """

    arrivals_per_week: float | None = 4.0
    surgery_days: tuple[float, ...] | None = None
    ready_after_days: float | tuple[float, float] = 14.0
    start_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    years: float = 10.0
    deadline_weeks: float = 4.0
    reserved_urgent: int = 0
    urgent_fraction: float = 0.25
    death_rate_per_year: float = 0.0
    start_date: dt.date = dt.date(2027, 1, 4)
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    downtime: Downtime = field(default_factory=Downtime)

    def __post_init__(self) -> None:
        def positive(name: str, v: float, allow_zero: bool = False) -> None:
            if not (isinstance(v, (int, float)) and math.isfinite(v) and (v >= 0 if allow_zero else v > 0)):
                raise InputError(f"{name} must be a {'non-negative' if allow_zero else 'positive'} number; got {v!r}")

        if self.surgery_days is None:
            if self.arrivals_per_week is None:
                raise InputError("give an arrival rate per week or surgery dates to replay")
            positive("arrivals per week", self.arrivals_per_week)
        elif len(self.surgery_days) == 0:
            raise InputError("no surgery dates to replay")
        positive("years", self.years)
        positive("deadline weeks", self.deadline_weeks)
        positive("death rate per year", self.death_rate_per_year, allow_zero=True)
        lo, hi = self.ready_interval
        if not (math.isfinite(lo) and math.isfinite(hi) and 0 <= lo <= hi):
            raise InputError(f"readiness interval must be >= 0 days (low <= high); got {self.ready_after_days!r}")
        if not 0.0 < self.urgent_fraction <= 1.0:
            raise InputError(f"urgent fraction must lie in (0, 1]; got {self.urgent_fraction!r}")

    @property
    def ready_interval(self) -> tuple[float, float]:
        r = self.ready_after_days
        return (float(r), float(r)) if isinstance(r, (int, float)) else (float(r[0]), float(r[1]))

    @property
    def horizon_days(self) -> float:
        return self.years * DAYS_PER_YEAR


def _check(starts_per_week: Sequence[int], policies: Sequence[str], reps: int, reserved: int) -> list[int]:
    ks = sorted({int(k) for k in starts_per_week})
    if not ks or any(k != float(x) for k, x in zip(sorted(starts_per_week), sorted(starts_per_week), strict=True)):
        raise InputError("weekly starts must be whole numbers")
    if ks[0] < 1:
        raise InputError(f"weekly starts must be at least 1; got {ks[0]}")
    if ks[0] <= reserved:
        raise InputError(f"reserved urgent starts ({reserved}) must be fewer than the weekly starts ({ks[0]})")
    bad = [p for p in policies if p not in POLICIES]
    if bad or not policies:
        raise InputError(f"policy must be among {', '.join(POLICIES)}; got {bad[0] if bad else 'none'!r}")
    if reps < 2:
        raise InputError("at least 2 replications are needed for confidence intervals")
    return ks


def _risk_scores(harm: HarmModel, deadline_days: float) -> NDArray[np.float64]:
    return harm.risk(np.arange(len(harm.profiles)), np.full(len(harm.profiles), deadline_days))


def _keys(policy: str, pts: PatientDraws, scores: NDArray[np.float64], deadline_days: float) -> NDArray[np.float64]:
    if policy == "fifo":
        return pts.ready
    if policy == "deadline":
        return pts.surgery + deadline_days
    return -scores[pts.profile]


def _summarise(
    policy: str, k: int, pts: PatientDraws, start: NDArray, harm: HarmModel, settings: PlannerSettings, years: float
) -> ScenarioResult:
    valid = pts.valid
    n = np.maximum(valid.sum(axis=1), 1)
    started = np.isfinite(start)
    wait = np.where(started, start - pts.ready, np.nan) / 7.0
    leave = leave_times(pts.ready, start, pts.death)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rep_mean = np.nanmean(wait, axis=1)
    rep_median, rep_p90 = row_quantile(wait, [0.5, 0.9]).T
    p_within, p_ci, p_surg = {}, {}, {}
    since_surgery = np.where(started, start - pts.surgery, np.inf) / 7.0
    wait_or_inf = np.where(started, wait, np.inf)
    for w in WITHIN_WEEKS:
        m, lo, hi = mean_ci(np.sum(wait_or_inf <= w, axis=1) / n)
        p_within[str(w)], p_ci[str(w)] = float(m), (float(lo), float(hi))
        p_surg[str(w)] = float(np.mean(np.sum(since_surgery <= w, axis=1) / n))
    with np.errstate(invalid="ignore"):
        end = np.where(valid & np.isfinite(leave), leave - pts.surgery, np.nan)
    prog = np.sum(np.where(np.isfinite(end), harm.risk(pts.profile, end), 0.0), axis=1)
    died = np.sum(valid & ~started & np.isfinite(pts.death), axis=1)
    horizon = settings.horizon_days
    little = little_check(pts.ready, leave, horizon)
    grid = np.arange(0.0, horizon + 1e-9, 7.0)
    queue = queue_length_on_grid(pts.ready, leave, grid)
    qm, ql, qh = mean_ci(queue)
    hist, _ = np.histogram(np.clip(wait[started], 0, WAIT_BINS_WEEKS[-1] - 1e-9), bins=WAIT_BINS_WEEKS)
    per_year = prog / years

    def trio(v: NDArray) -> tuple[float, tuple[float, float]]:
        m, lo, hi = mean_ci(v)
        return float(m), (float(lo), float(hi))

    mw, mw_ci = trio(rep_mean)
    md, md_ci = trio(rep_median)
    p9, p9_ci = trio(rep_p90)
    p100, p100_ci = trio(100.0 * prog / n)
    py, py_ci = trio(per_year)
    dy, dy_ci = trio(died / years)
    return ScenarioResult(
        policy=policy,
        starts_per_week=k,
        mean_wait_weeks=mw,
        mean_wait_ci=mw_ci,
        median_wait_weeks=md,
        median_wait_ci=md_ci,
        p90_wait_weeks=p9,
        p90_wait_ci=p9_ci,
        p_within=p_within,
        p_within_ci=p_ci,
        p_within_surgery=p_surg,
        progressions_per_100=p100,
        progressions_per_100_ci=p100_ci,
        progressions_per_year=py,
        progressions_per_year_ci=py_ci,
        died_waiting_per_year=dy,
        died_waiting_ci=dy_ci,
        patients_per_year=float(np.mean(valid.sum(axis=1)) / years),
        utilisation=float(np.mean(started.sum(axis=1)) / years / (k * 52.1775)),
        littles_law_max_gap=float(np.nanmax(little.gap)) if little.gap.size else 0.0,
        queue_weeks=grid / 7.0,
        queue_mean=qm,
        queue_lower=ql,
        queue_upper=qh,
        wait_histogram=hist / max(int(hist.sum()), 1),
        per_rep_progressions_per_year=per_year,
    )


def plan_capacity(
    settings: PlannerSettings,
    harm: HarmModel,
    *,
    starts_per_week: Sequence[int],
    policies: Sequence[str] = ("fifo",),
    replications: int = 1000,
    seed: int = 1,
) -> CapacityPlan:
    """Simulate every policy at every weekly capacity and summarise with 95 % CIs.

    Parameters
    ----------
    settings : PlannerSettings
    harm : HarmModel
        Risk of progression by time after surgery (``harm_from_cohort`` / ``harm_from_curve``).
    starts_per_week : sequence of int
    policies : sequence of {"fifo", "deadline", "risk"}
    replications : int
    seed : int
        Root of the seed sequence; the same seed gives identical results.

    Returns
    -------
    CapacityPlan

    Examples
    --------
    >>> from rtdelay.planning.capacity import harm_from_curve
    >>> plan = plan_capacity(PlannerSettings(arrivals_per_week=3, years=2),
    ...                      harm_from_curve([4, 12], [0.05, 0.2]),
    ...                      starts_per_week=[4, 5], replications=20, seed=1)
    >>> plan.scenario("fifo", 5).mean_wait_weeks < plan.scenario("fifo", 4).mean_wait_weeks
    True
    """
    ks = _check(starts_per_week, policies, int(replications), settings.reserved_urgent)
    reps = int(replications)
    if int(seed) != seed or seed < 0:
        raise InputError(f"the seed must be a whole number >= 0; got {seed!r}")
    per_rep = (settings.arrivals_per_week or 0.0) / 7.0 * settings.horizon_days if settings.surgery_days is None \
        else len(settings.surgery_days)
    if per_rep * reps > MAX_PATIENT_DRAWS:
        raise InputError(
            f"about {per_rep:.0f} patients x {reps} replications is more than this planner simulates at once "
            f"({MAX_PATIENT_DRAWS:.0e}); use fewer replications or years"
        )
    pts = draw_patients(
        seed=seed,
        n_reps=reps,
        horizon_days=settings.horizon_days,
        arrivals_per_week=settings.arrivals_per_week,
        surgery_days=None if settings.surgery_days is None else np.asarray(settings.surgery_days, float),
        ready_after_days=settings.ready_interval,
        profile_weights=harm.weights,
        death_rate_per_day=settings.death_rate_per_year / DAYS_PER_YEAR,
    )
    if not pts.valid.any():
        raise InputError("no patients arrive in the simulated period: raise the arrival rate or the years")
    years = settings.horizon_days / DAYS_PER_YEAR
    deadline_days = settings.deadline_weeks * 7.0
    scores = _risk_scores(harm, deadline_days)
    threshold = _weighted_quantile(scores, harm.weights, 1.0 - settings.urgent_fraction)
    urgent = scores[pts.profile] >= threshold
    n_max = pts.ready.shape[1]
    last_ready = float(np.max(np.where(pts.valid, pts.ready, 0.0)))
    scenarios: list[ScenarioResult] = []
    notes: list[str] = list(harm.notes)
    lo, hi = settings.ready_interval
    if "deadline" in policies and lo == hi:
        notes.append(
            "with the same readiness interval for everyone, earliest deadline first starts patients in the "
            "order of first come first served (the two policies give the same results)"
        )
    for k in ks:
        cal = SlotCalendar(
            starts_per_week=k,
            start_days=settings.start_days,
            start_date=settings.start_date,
            holidays=settings.holidays,
            downtime=settings.downtime,
            reserved_urgent=settings.reserved_urgent,
        )
        routine = k - settings.reserved_urgent
        n_days = int(math.ceil(last_ready)) + 7 * int(math.ceil(2.0 * n_max / routine + 4))
        rng_down = np.random.default_rng(streams(seed)["downtime"])
        times, reserved = cal.slots(n_days, reps, rng_down)
        slots = Slots(times, reserved if settings.reserved_urgent > 0 else None)
        for policy in policies:
            keys = _keys(policy, pts, scores, deadline_days)
            if settings.reserved_urgent == 0 and _orders_like_readiness(keys, pts.valid):
                # a key that never decreases in readiness order serves first come first served
                start = fifo_starts(pts.ready, pts.death, slots)
            else:
                start = priority_starts(pts.ready, pts.death, keys, slots, urgent=urgent)
            unserved = int(np.sum(pts.valid & ~np.isfinite(start) & ~np.isfinite(pts.death)))
            if unserved:
                notes.append(f"{policy}, {k}/week: {unserved} patients not started within the simulated calendar")
            scenarios.append(_summarise(policy, k, pts, start, harm, settings, years))
        offered = cal.weekly_capacity_after_closures(int(math.ceil(settings.horizon_days)))
        rate = float(np.mean(pts.counts)) / years / 52.1775
        if offered * (1 - _breakdown_share(settings.downtime)) <= rate:
            notes.append(
                f"{k} starts a week (about {offered:.2f} offered after closures) do not exceed the "
                f"{rate:.2f} patients a week: the queue grows for as long as the simulation runs, "
                "so waits depend on the simulated years"
            )
    marginal = []
    for policy in policies:
        for a, b in zip(ks[:-1], ks[1:], strict=True):
            sa = next(s for s in scenarios if s.policy == policy and s.starts_per_week == a)
            sb = next(s for s in scenarios if s.policy == policy and s.starts_per_week == b)
            d_mean, d_lo, d_hi = mean_ci(sa.per_rep_progressions_per_year - sb.per_rep_progressions_per_year)
            marginal.append(MarginalValue(policy, a, b, float(d_mean), (float(d_lo), float(d_hi))))
    model = _model_block(settings, harm, policies, reps, seed, float(np.mean(urgent[pts.valid])), threshold)
    return CapacityPlan(scenarios=tuple(scenarios), marginal=tuple(marginal), model=model, notes=tuple(notes))


def _orders_like_readiness(keys: NDArray, valid: NDArray) -> bool:
    with np.errstate(invalid="ignore"):
        steps = np.diff(keys, axis=1)
    return bool(np.all((steps >= 0) | ~valid[:, 1:]))


def _weighted_quantile(values: NDArray, weights: NDArray, q: float) -> float:
    """Smallest value whose cumulative weight reaches ``q`` (the inverse of the weighted cdf)."""
    order = np.argsort(values)
    cum = np.cumsum(weights[order]) / np.sum(weights)
    return float(values[order][min(int(np.searchsorted(cum, q - 1e-12)), len(values) - 1)])


def _breakdown_share(d: Downtime) -> float:
    return min(d.rate_per_year * d.duration_days / DAYS_PER_YEAR, 1.0)


def _model_block(
    s: PlannerSettings, harm: HarmModel, policies: Sequence[str], reps: int, seed: int, urgent_share: float, threshold: float
) -> dict:
    lo, hi = s.ready_interval
    return {
        "arrivals": (
            {"process": "poisson", "per_week": s.arrivals_per_week}
            if s.surgery_days is None
            else {"process": "replay", "n_operations": len(s.surgery_days)}
        ),
        "ready_after_days": lo if lo == hi else {"uniform": [lo, hi]},
        "start_days": [WEEKDAYS[d] for d in s.start_days],
        "start_time": "end of the working day; wait = start time - readiness time (readiness continuous)",
        "years": s.years,
        "start_date": s.start_date.isoformat(),
        "holidays": len(s.holidays),
        "downtime": {
            "planned": [[a.isoformat(), b.isoformat()] for a, b in s.downtime.planned],
            "breakdowns_per_year": s.downtime.rate_per_year,
            "breakdown_days": s.downtime.duration_days,
        },
        "policies": {p: POLICIES[p] for p in policies},
        "deadline_weeks": s.deadline_weeks,
        "reserved_urgent_per_week": s.reserved_urgent,
        "urgent": {"definition": f"predicted risk by the deadline >= {threshold:.4f} (top {s.urgent_fraction:.0%} of the cohort)", "share": urgent_share},
        "death_rate_per_year": s.death_rate_per_year,
        "harm": harm.to_dict(),
        "replications": reps,
        "seed": seed,
        "random_streams": "numpy SeedSequence(seed).spawn: arrivals, readiness, risk, death, downtime (common random numbers)",
        "ci": "normal 95% interval over replications (mean +/- 1.96 SD / sqrt(replications))",
    }
