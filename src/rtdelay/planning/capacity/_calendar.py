"""Course-start calendar: which working days offer how many radiotherapy course starts.

Time is measured in days from the start of the simulated calendar (``start_date``, day 0 begins
at its midnight). A course start on day ``d`` happens at the *end* of that day, time ``d + 1``:
a patient who becomes ready at any moment of day ``d`` can start that evening.

The weekly capacity ``K`` is spread over the chosen start weekdays ``m``: day ``i`` (0-based, in
weekday order) gets ``floor((i+1)K/m) - floor(iK/m)`` starts, so that ``mon-fri`` with 3 starts
gives Tuesday, Thursday and Friday, and ``fri`` puts every start on Friday. The first
``reserved`` starts of each week (in time order) are kept for urgent patients.

Starts are lost (not moved) on holidays, on planned downtime days and on random breakdown days:
breakdowns begin as a Poisson process (``rate_per_year``) on working days and each lasts
``duration_days`` calendar days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from rtdelay.errors import InputError

__all__ = [
    "WEEKDAYS",
    "Downtime",
    "SlotCalendar",
    "parse_start_days",
    "read_holidays",
    "spread_weekly_starts",
]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAYS_PER_YEAR = 365.25


def parse_start_days(text: str) -> tuple[int, ...]:
    """Weekdays (0 = Monday) from ``"mon-fri"``, ``"fri"`` or ``"mon,wed,fri"``.

    Examples
    --------
    >>> parse_start_days("mon-fri")
    (0, 1, 2, 3, 4)
    >>> parse_start_days("tue,fri")
    (1, 4)
    """
    days: set[int] = set()
    for part in str(text).lower().replace(" ", "").split(","):
        if not part:
            continue
        ends = part.split("-")
        try:
            idx = [WEEKDAYS.index(e[:3]) for e in ends]
        except ValueError:
            raise InputError(
                f"start days take weekday names such as mon-fri, fri or mon,wed,fri; got {text!r}"
            ) from None
        if len(idx) == 1:
            days.add(idx[0])
        elif len(idx) == 2 and idx[0] <= idx[1]:
            days.update(range(idx[0], idx[1] + 1))
        else:
            raise InputError(f"start-day range must run forwards within a week (mon-fri); got {part!r}")
    if not days:
        raise InputError("at least one start weekday is needed (e.g. mon-fri)")
    return tuple(sorted(days))


def spread_weekly_starts(starts_per_week: int, weekdays: Sequence[int]) -> dict[int, int]:
    """Starts on each chosen weekday: ``floor((i+1)K/m) - floor(iK/m)``.

    Examples
    --------
    >>> spread_weekly_starts(3, (0, 1, 2, 3, 4))
    {0: 0, 1: 1, 2: 0, 3: 1, 4: 1}
    >>> spread_weekly_starts(7, (4,))
    {4: 7}
    """
    if int(starts_per_week) != starts_per_week or starts_per_week < 0:
        raise InputError(f"starts per week must be a whole number >= 0; got {starts_per_week!r}")
    k, m = int(starts_per_week), len(weekdays)
    return {d: (i + 1) * k // m - i * k // m for i, d in enumerate(weekdays)}


@dataclass(frozen=True)
class Downtime:
    """Machine downtime: planned periods and random breakdowns.

    Attributes
    ----------
    planned : tuple of (date, date)
        Inclusive date ranges with no course starts.
    rate_per_year : float
        Breakdowns per year (Poisson).
    duration_days : float
        Calendar days each breakdown lasts (starts lost on those days).
    """

    planned: tuple[tuple[dt.date, dt.date], ...] = ()
    rate_per_year: float = 0.0
    duration_days: float = 0.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.rate_per_year) and self.rate_per_year >= 0):
            raise InputError(f"breakdown rate must be >= 0 per year; got {self.rate_per_year!r}")
        if not (np.isfinite(self.duration_days) and self.duration_days >= 0):
            raise InputError(f"breakdown duration must be >= 0 days; got {self.duration_days!r}")
        for a, b in self.planned:
            if b < a:
                raise InputError(f"planned downtime ends before it starts: {a} to {b}")


@dataclass(frozen=True)
class SlotCalendar:
    """Weekly pattern of course starts on a dated calendar with holidays and downtime.

    Parameters
    ----------
    starts_per_week : int
    start_days : sequence of int
        Weekdays (0 = Monday) that offer starts.
    start_date : datetime.date
        Date of day 0.
    holidays : iterable of datetime.date
    downtime : Downtime
    reserved_urgent : int
        Starts per week kept for urgent patients (the first ones of the week).
    """

    starts_per_week: int
    start_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    start_date: dt.date = dt.date(2027, 1, 4)
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    downtime: Downtime = field(default_factory=Downtime)
    reserved_urgent: int = 0

    def __post_init__(self) -> None:
        spread_weekly_starts(self.starts_per_week, self.start_days)
        if not 0 <= int(self.reserved_urgent) <= self.starts_per_week:
            raise InputError(
                f"reserved urgent starts ({self.reserved_urgent}) must lie between 0 and the "
                f"starts per week ({self.starts_per_week})"
            )

    def _day_capacity(self, n_days: int) -> NDArray[np.int64]:
        spread = spread_weekly_starts(self.starts_per_week, self.start_days)
        weekday0 = self.start_date.weekday()
        weekday = (np.arange(n_days) + weekday0) % 7
        cap = np.zeros(n_days, dtype=np.int64)
        for d, k in spread.items():
            cap[weekday == d] = k
        closed = self._closed_days(n_days)
        cap[closed] = 0
        return cap

    def _closed_days(self, n_days: int) -> NDArray[np.int64]:
        out: list[int] = []
        for day in self.holidays:
            out.append((day - self.start_date).days)
        for a, b in self.downtime.planned:
            out.extend(range((a - self.start_date).days, (b - self.start_date).days + 1))
        idx = np.asarray(out, dtype=np.int64)
        return idx[(idx >= 0) & (idx < n_days)]

    def slots(
        self, n_days: int, n_reps: int, rng: np.random.Generator | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """Start times (end of day) and reserved flags for ``n_reps`` replications.

        Returns ``(times, reserved)`` of shape ``(n_reps, M)``, times sorted in each row and padded
        with ``inf`` where random breakdowns removed starts; without random breakdowns the rows
        would all be equal and a single row ``(1, M)`` is returned (shared by every replication).
        """
        cap = self._day_capacity(n_days)
        day_idx = np.repeat(np.arange(n_days), cap)
        times = (day_idx + 1.0).astype(float)
        week = (day_idx + self.start_date.weekday()) // 7
        first_of_week = np.r_[True, week[1:] != week[:-1]] if week.size else np.zeros(0, bool)
        starts = np.maximum.accumulate(np.where(first_of_week, np.arange(week.size), 0)) if week.size else week
        rank_in_week = np.arange(week.size) - starts
        reserved = rank_in_week < int(self.reserved_urgent)
        dt_ = self.downtime
        if rng is None or dt_.rate_per_year <= 0 or dt_.duration_days <= 0:
            return times[None, :], reserved[None, :]  # one calendar shared by every replication
        out_t = np.full((n_reps, times.size), np.inf)
        out_r = np.zeros((n_reps, times.size), dtype=bool)
        expected = dt_.rate_per_year * n_days / DAYS_PER_YEAR
        for i in range(n_reps):
            n_break = rng.poisson(expected)
            begin = rng.uniform(0.0, n_days, size=n_break)
            down = np.zeros(times.size, dtype=bool)
            for b in begin:
                # slot at time d+1 belongs to day d: lost if day d overlaps [b, b + duration)
                down |= (day_idx + 1.0 > b) & (day_idx < b + dt_.duration_days)
            keep = ~down
            k = int(keep.sum())
            out_t[i, :k] = times[keep]
            out_r[i, :k] = reserved[keep]
        return out_t, out_r

    def weekly_capacity_after_closures(self, n_days: int) -> float:
        """Average starts per week actually offered over ``n_days`` (holidays, planned downtime)."""
        return float(self._day_capacity(n_days).sum() * 7.0 / max(n_days, 1))


def read_holidays(lines: Iterable[str]) -> frozenset[dt.date]:
    """ISO dates, one a line (a header line ``date`` and ``#`` comments are skipped).

    Examples
    --------
    >>> sorted(read_holidays(["date", "2027-12-25", "# note", "2027-01-01,New Year"]))
    [datetime.date(2027, 1, 1), datetime.date(2027, 12, 25)]
    """
    out: set[dt.date] = set()
    for n, raw in enumerate(lines, start=1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        first = text.split(",")[0].strip().strip('"')
        if n == 1 and first.lower() in ("date", "holiday", "day"):
            continue
        try:
            out.add(dt.date.fromisoformat(first))
        except ValueError:
            raise InputError(f"holidays line {n}: {first!r} is not an ISO date (YYYY-MM-DD)") from None
    return frozenset(out)
