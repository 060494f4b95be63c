"""Fig. 7, the forest plot of the Cox models: one marker per term at the model's hazard ratio."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rtdelay.report._cox_plots import fig7_cox_forest, forest_rows
from rtdelay.report.figures import figure_builders


@pytest.fixture(scope="module")
def with_beyond(included):
    from rtdelay.study import run

    return run(included)


def test_rows_carry_the_models_numbers(with_beyond):
    cox = with_beyond.beyond.cox
    rows = forest_rows(cox)
    fit = cox.os_adjusted
    first = [r for r in rows if r[0] == "Overall survival, PBR adjusted"]
    assert [r[2] for r in first] == pytest.approx(list(np.asarray(fit.hazard_ratio, dtype=float)))
    assert [r[3] for r in first] == pytest.approx(list(np.asarray(fit.ci_lower, dtype=float)))


def test_markers_drawn_at_the_hazard_ratios(with_beyond):
    fig = fig7_cox_forest(with_beyond)
    ax = fig.axes[0]
    markers = {line.get_gid(): line.get_xdata()[0] for line in ax.lines if (line.get_gid() or "").startswith("hr:")}
    rows = forest_rows(with_beyond.beyond.cox)
    assert len(markers) == sum(1 for r in rows if all(math.isfinite(v) for v in r[2:5]))
    assert ax.get_xscale() == "log"
    assert "fig7_cox_forest" in figure_builders(with_beyond)


def test_figs_2_and_3_share_the_y_range(results):
    from rtdelay.report.figures import fig2_pbr_risk, fig3_pbr_by_surgery

    assert fig2_pbr_risk(results).axes[0].get_ylim() == fig3_pbr_by_surgery(results).axes[0].get_ylim()
