"""Radiotherapy capacity planner: course starts a week, start order, and the harm of waiting.

Patients become ready for RT a fixed or random interval after surgery (Poisson operations at a
weekly rate, or a replay of surgery dates); course starts are offered on chosen weekdays at the
end of the day, minus holidays and machine downtime. Policies: first come first served, earliest
deadline, highest predicted risk first, optionally with starts reserved for urgent patients.
Death while waiting is a competing event. The harm is each patient's probability of
progression before RT at the simulated wait, from the current-status model of
``rtdelay.planning`` or a given curve.

The engine (``fifo_starts``, ``priority_starts``) works on slotted starts (``Slots``) and on
continuous-time servers with general service times (``Servers``); the latter is how the
engine is validated against queueing formulas (Pollaczek-Khinchine, Erlang C, Cobham).
Heavy modules (scipy, pandas) load only when a cohort model is fitted.
"""

from rtdelay.planning.capacity._calendar import (
    WEEKDAYS,
    Downtime,
    SlotCalendar,
    parse_start_days,
    read_holidays,
    spread_weekly_starts,
)
from rtdelay.planning.capacity._engine import Servers, Slots, fifo_starts, priority_starts
from rtdelay.planning.capacity._harm import (
    HarmModel,
    death_rate_from_cohort,
    harm_from_cohort,
    harm_from_curve,
    harm_from_fit,
)
from rtdelay.planning.capacity._patients import STREAMS, PatientDraws, draw_patients
from rtdelay.planning.capacity._plan import POLICIES, PlannerSettings, plan_capacity
from rtdelay.planning.capacity._queue_stats import (
    LittleCheck,
    batch_means,
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

__all__ = [
    "POLICIES",
    "STREAMS",
    "WAIT_BINS_WEEKS",
    "WEEKDAYS",
    "CapacityPlan",
    "Downtime",
    "HarmModel",
    "LittleCheck",
    "MarginalValue",
    "PatientDraws",
    "PlannerSettings",
    "ScenarioResult",
    "Servers",
    "SlotCalendar",
    "Slots",
    "batch_means",
    "death_rate_from_cohort",
    "draw_patients",
    "fifo_starts",
    "harm_from_cohort",
    "harm_from_curve",
    "harm_from_fit",
    "leave_times",
    "little_check",
    "mean_ci",
    "parse_start_days",
    "plan_capacity",
    "priority_starts",
    "queue_length_on_grid",
    "read_holidays",
    "row_quantile",
    "spread_weekly_starts",
]
