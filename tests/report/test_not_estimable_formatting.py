"""Formatting never crashes on infinite or missing values, and a hazard ratio or limit outside
0.001-1000 is printed as "not estimable", never as a finding (issue 9)."""

from __future__ import annotations

import math
import types

import numpy as np

from rtdelay.report import formatting as f
from rtdelay.report._beyond_tables import beyond_tables
from rtdelay.study._beyond import HR_ESTIMABLE_RANGE


def test_infinite_values_do_not_crash():
    # was decimal.InvalidOperation on an infinite Cox confidence limit
    assert f.format_number(math.inf) == "∞" and f.format_number(-math.inf) == "−∞"
    assert f.format_number(np.float32("nan")) == f.MISSING
    assert f.format_percent(math.inf) == "∞%"
    assert f.format_rate_ci(0.5, 0.2, math.nan) == "50.0%"


def test_hazard_ratios_outside_the_range_are_not_estimable():
    assert f.format_hr_ci(5.7e8, (1.0, math.inf)) == f.NOT_ESTIMABLE  # the case
    assert f.format_hr_ci(2.0, (0.5, 1000.5)) == f.NOT_ESTIMABLE
    assert f.format_hr_ci(0.01, (0.0009, 0.2)) == f.NOT_ESTIMABLE
    assert f.format_hr_ci(2.0, (0.5, None)) == f.NOT_ESTIMABLE
    assert f.format_hr_ci(2.314, (1.118, 4.751)) == "2.31 (1.12–4.75)"
    assert f.format_hr_ci(0.001, (0.001, 1000.0)) == "0.00 (0.00–1000.00)"  # the range is closed
    assert f.HR_DISPLAY_RANGE == HR_ESTIMABLE_RANGE  # one rule in study and report


def test_cox_table_shows_not_estimable_for_an_infinite_limit():
    fit = types.SimpleNamespace(
        names=("pbr", "kps_pre"),
        n=15,
        n_events=2,
        hazard_ratio=np.array([5.7e8, 0.97]),
        ci_lower=np.array([0.0, 0.9]),
        ci_upper=np.array([np.inf, 1.05]),
        p_value=np.array([0.02, 0.4]),
    )
    cox = types.SimpleNamespace(os_adjusted=fit, lc_adjusted=None, os_wait=None, lc_wait=None, notes=(), firth=())
    beyond = types.SimpleNamespace(waiting=None, competing=None, cox=cox, landmark=None, notes=())
    table = next(t for t in beyond_tables(beyond) if t.name == "beyond_cox")
    cells = [r.cells for r in table.rows if not r.section]
    assert cells[0][1] == "not estimable" and cells[1][1] == "0.97 (0.90–1.05)"
    assert cells[0][2] == f.MISSING and cells[1][2] == "0.400"  # no P beside a non-finding
