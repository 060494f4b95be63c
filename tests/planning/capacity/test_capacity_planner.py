"""The capacity planner: determinism, common random numbers, Little's law, harm by hand, bad input."""

import ast
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from rtdelay.errors import InputError
from rtdelay.planning.capacity import (
    Downtime,
    PlannerSettings,
    SlotCalendar,
    Slots,
    draw_patients,
    fifo_starts,
    harm_from_curve,
    parse_start_days,
    plan_capacity,
    priority_starts,
    read_holidays,
)

CURVE = harm_from_curve([2, 4, 8, 16], [0.05, 0.10, 0.20, 0.35])


def _plan(**kw):
    settings = kw.pop("settings", PlannerSettings(arrivals_per_week=4, years=3, death_rate_per_year=0.3))
    args = {"starts_per_week": [5, 6], "policies": ["fifo", "risk"], "replications": 40, "seed": 7}
    args.update(kw)
    return plan_capacity(settings, kw.pop("harm", CURVE), **args)


def test_same_seed_identical_output_and_other_seed_differs():
    a, b = _plan().to_dict(), _plan().to_dict()
    assert a == b
    assert _plan(seed=8).to_dict()["scenarios"][0]["mean_wait_weeks"] != a["scenarios"][0]["mean_wait_weeks"]


def test_separate_streams_keep_patients_when_deaths_change():
    common = {"seed": 3, "n_reps": 5, "horizon_days": 700.0, "arrivals_per_week": 4.0, "surgery_days": None,
              "ready_after_days": (10.0, 20.0), "profile_weights": np.array([0.5, 0.5])}
    a = draw_patients(death_rate_per_day=0.0, **common)
    b = draw_patients(death_rate_per_day=0.002, **common)
    np.testing.assert_array_equal(a.ready, b.ready)
    np.testing.assert_array_equal(a.profile, b.profile)
    assert np.isinf(a.death[a.valid]).all() and np.isfinite(b.death[b.valid]).all()


def test_poisson_arrivals_have_the_rate_and_spread_over_the_period():
    pts = draw_patients(seed=11, n_reps=400, horizon_days=3652.5, arrivals_per_week=4.0, surgery_days=None,
                        ready_after_days=(14.0, 14.0), profile_weights=np.ones(1), death_rate_per_day=0.0)
    counts = pts.valid.sum(axis=1)
    expected = 4.0 / 7 * 3652.5  # 2087.1
    assert abs(counts.mean() - expected) < 4 * np.sqrt(expected / 400)
    first_half = np.sum(pts.surgery < 3652.5 / 2, axis=1)
    assert abs(first_half.sum() / counts.sum() - 0.5) < 0.005
    assert np.all(np.diff(np.where(pts.valid, pts.ready, np.inf), axis=1)[pts.valid[:, 1:]] >= 0)


def test_littles_law_within_one_percent_on_every_run():
    plan = _plan(policies=["fifo", "deadline", "risk"],
                 settings=PlannerSettings(arrivals_per_week=4, years=5, death_rate_per_year=0.3,
                                          ready_after_days=(7.0, 21.0), reserved_urgent=1))
    for s in plan.scenarios:
        assert s.littles_law_max_gap < 0.01, (s.policy, s.starts_per_week, s.littles_law_max_gap)


def test_more_starts_shorter_waits_fewer_progressions_and_positive_marginal_value():
    plan = _plan(starts_per_week=[5, 6, 8])
    for pol in ("fifo", "risk"):
        waits = [plan.scenario(pol, k).mean_wait_weeks for k in (5, 6, 8)]
        progs = [plan.scenario(pol, k).progressions_per_year for k in (5, 6, 8)]
        assert waits[0] > waits[1] > waits[2] and progs[0] > progs[1] > progs[2]
    for m in plan.marginal:
        assert m.ci[0] > 0 and m.ci[0] <= m.avoided_per_year <= m.ci[1]


def test_harm_by_hand_with_a_flat_curve_and_ample_capacity():
    # risk 10 % at any time from 1 week after surgery; every patient starts >= 14 days after surgery,
    # nobody dies, so the expected progressions are exactly 10 per 100 patients.
    flat = harm_from_curve([1, 10], [0.10, 0.10])
    plan = plan_capacity(PlannerSettings(arrivals_per_week=3, years=2), flat, starts_per_week=[50],
                         replications=10, seed=1)
    s = plan.scenario("fifo", 50)
    assert s.progressions_per_100 == pytest.approx(10.0, abs=1e-9)
    assert s.p_within["2"] == 1.0 and s.died_waiting_per_year == 0.0
    assert s.mean_wait_weeks < 1 / 7 + 1e-9  # at most to the end of the ready day (10 starts a day)


def test_fifo_recursion_equals_heap_loop_with_deaths_and_random_breakdowns():
    pts = draw_patients(seed=5, n_reps=6, horizon_days=1500.0, arrivals_per_week=4.5, surgery_days=None,
                        ready_after_days=(14.0, 14.0), profile_weights=np.ones(1), death_rate_per_day=1 / 200)
    cal = SlotCalendar(starts_per_week=5, downtime=Downtime(rate_per_year=6, duration_days=3))
    times, _ = cal.slots(3000, 6, np.random.default_rng(2))
    assert len({int(np.isfinite(r).sum()) for r in times}) > 1  # replications lose different starts
    slots = Slots(times)
    fifo = fifo_starts(pts.ready, pts.death, slots)
    heap = priority_starts(pts.ready, pts.death, pts.ready, slots)
    np.testing.assert_array_equal(np.isnan(fifo), np.isnan(heap))
    np.testing.assert_allclose(fifo[~np.isnan(fifo)], heap[~np.isnan(heap)])


def test_a_shared_calendar_row_equals_one_row_per_replication():
    pts = draw_patients(seed=6, n_reps=4, horizon_days=800.0, arrivals_per_week=4.5, surgery_days=None,
                        ready_after_days=(14.0, 14.0), profile_weights=np.ones(1), death_rate_per_day=1 / 150)
    times, reserved = SlotCalendar(starts_per_week=5, reserved_urgent=1).slots(1500, 4)
    assert times.shape[0] == 1
    urgent = pts.profile == 0
    for make in (lambda t: Slots(t), lambda t: Slots(t, reserved if t.shape[0] == 1 else np.tile(reserved, (4, 1)))):
        shared, tiled = make(times), make(np.tile(times, (4, 1)))
        np.testing.assert_array_equal(fifo_starts(pts.ready, pts.death, shared), fifo_starts(pts.ready, pts.death, tiled))
        np.testing.assert_array_equal(priority_starts(pts.ready, pts.death, pts.ready, shared, urgent=urgent),
                                      priority_starts(pts.ready, pts.death, pts.ready, tiled, urgent=urgent))


def test_reserved_starts_go_only_to_urgent_patients():
    ready = np.array([[0.1, 0.2, 0.3, 0.4, 3.5]])
    urgent = np.array([[False, False, False, False, True]])
    times = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    reserved = np.array([[True, False, False, True, False]])
    start = priority_starts(ready, np.full_like(ready, np.inf), ready, Slots(times, reserved), urgent=urgent)
    # day 1 is reserved and no urgent patient waits: lost; the urgent patient takes day 4's reserved start
    np.testing.assert_array_equal(start[0], [2.0, 3.0, 5.0, np.nan, 4.0])


def test_calendar_spread_fridays_holidays_and_reserved():
    assert parse_start_days("mon-fri") == (0, 1, 2, 3, 4)
    cal = SlotCalendar(starts_per_week=5, start_days=parse_start_days("fri"), start_date=dt.date(2027, 1, 4),
                       holidays=frozenset({dt.date(2027, 1, 15)}), reserved_urgent=1)
    times, res = cal.slots(21, 1)
    np.testing.assert_array_equal(times[0], [5.0] * 5 + [19.0] * 5)  # the Friday 15 January is a holiday
    np.testing.assert_array_equal(res[0], [True, False, False, False, False] * 2)
    assert read_holidays(["2027-12-24", ""]) == frozenset({dt.date(2027, 12, 24)})


def test_overloaded_capacity_gives_a_note_not_a_crash():
    plan = _plan(starts_per_week=[3], policies=["fifo"],
                 settings=PlannerSettings(arrivals_per_week=4, years=1))
    assert any("queue grows" in n for n in plan.notes)


def test_replayed_surgery_dates_are_the_same_in_every_replication():
    days = tuple(float(d) for d in np.arange(0, 700, 2.5))
    plan = plan_capacity(PlannerSettings(arrivals_per_week=None, surgery_days=days, years=700 / 365.25),
                         CURVE, starts_per_week=[3, 4], replications=5, seed=2)
    s = plan.scenario("fifo", 3)
    assert s.patients_per_year == pytest.approx(len(days) / (700 / 365.25))
    assert s.mean_wait_ci[0] == pytest.approx(s.mean_wait_ci[1])  # nothing random without deaths


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"starts_per_week": [0]}, "at least 1"),
        ({"policies": ["lottery"]}, "policy must be among"),
        ({"replications": 1}, "at least 2 replications"),
        ({"seed": -1}, "seed must be a whole number"),
        ({"settings": PlannerSettings(arrivals_per_week=1e5, years=10)}, "more than this planner simulates"),
    ],
)
def test_bad_planner_arguments_raise_clear_errors(kw, message):
    with pytest.raises(InputError, match=message):
        _plan(**kw)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"arrivals_per_week": -1}, "positive"),
        ({"years": 0}, "positive"),
        ({"ready_after_days": (20.0, 10.0)}, "readiness interval"),
        ({"urgent_fraction": 0.0}, "urgent fraction"),
    ],
)
def test_bad_settings_raise_clear_errors(kw, message):
    with pytest.raises(InputError, match=message):
        PlannerSettings(**kw)


def test_bad_calendar_inputs():
    with pytest.raises(InputError, match="weekday names"):
        parse_start_days("monday-funday")
    with pytest.raises(InputError, match="reserved urgent"):
        SlotCalendar(starts_per_week=2, reserved_urgent=3)
    with pytest.raises(InputError, match="line 2"):
        read_holidays(["2027-01-01", "25/12/2027"])
    with pytest.raises(InputError, match="fewer than the weekly starts"):
        plan_capacity(PlannerSettings(reserved_urgent=3), CURVE, starts_per_week=[3], replications=2)


def test_capacity_modules_do_not_import_scipy_matplotlib_or_jinja2_at_module_level():
    root = Path(__file__).resolve().parents[3] / "src" / "rtdelay" / "planning" / "capacity"
    for path in root.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in {"scipy", "matplotlib", "jinja2", "pandas"}, (path.name, name)


def test_importing_the_planner_loads_no_scipy_pandas_or_matplotlib():
    import subprocess
    import sys

    code = ("import sys, rtdelay.planning.capacity, rtdelay.planning; "
            "print(sorted(m for m in ('scipy', 'pandas', 'matplotlib', 'jinja2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("seed", range(4))
def test_class_queues_equal_the_heap_loop(seed):
    """Risk-first with few risk levels runs one FIFO queue per level across replications; the
    result must equal the heap loop start for start (deaths, reserved starts, breakdowns)."""
    reps = 12
    pts = draw_patients(seed=seed, n_reps=reps, horizon_days=900.0, arrivals_per_week=4.5 + seed % 2,
                        surgery_days=None, ready_after_days=(14.0, 14.0), profile_weights=np.ones(5) / 5,
                        death_rate_per_day=(seed % 3) / 150)
    key = -np.array([0.1, 0.3, 0.3, 0.5, 0.2])[pts.profile]
    urgent = key <= -0.3
    down = Downtime(rate_per_year=6, duration_days=3) if seed % 2 else Downtime()
    times, reserved = SlotCalendar(starts_per_week=5, reserved_urgent=1 + seed % 2, downtime=down).slots(
        2500, reps, np.random.default_rng(seed))
    slots = Slots(times, reserved)
    heap = priority_starts(pts.ready, pts.death, key, slots, urgent=urgent, method="heap")
    classes = priority_starts(pts.ready, pts.death, key, slots, urgent=urgent, method="classes")
    np.testing.assert_array_equal(heap, classes)
    assert np.isfinite(heap).sum() > 100
