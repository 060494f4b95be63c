"""Fig. 8: scaled Schoenfeld residuals of the PBR-adjusted Cox model (R plot(cox.zph(fit)))."""

from __future__ import annotations

import numpy as np

from rtdelay.report import figures


def test_fig8_draws_each_coefficient_residuals_smooth_and_coefficient(results, tmp_path):
    builders = figures.figure_builders(results)
    assert "fig8_schoenfeld" in builders
    fig = builders["fig8_schoenfeld"](results)
    fit = results.beyond.cox.os_adjusted or results.beyond.cox.lc_adjusted
    resid = fit.schoenfeld_residuals()
    names = [c for c in resid.columns if c not in ("time", "km_time")]
    assert len(fig.axes) == len(names)
    for ax, name in zip(fig.axes, names, strict=True):
        dots = [c for c in ax.collections if c.get_gid() == f"resid:{name}"][0]
        finite = np.isfinite(resid[name].to_numpy())
        np.testing.assert_allclose(dots.get_offsets()[:, 1], resid[name].to_numpy()[finite])
        np.testing.assert_allclose(dots.get_offsets()[:, 0], resid["km_time"].to_numpy()[finite])
        coef = [ln for ln in ax.get_lines() if ln.get_gid() == f"coef:{name}"][0]
        assert coef.get_ydata()[0] == fit.coef[list(fit.names).index(name)]
        assert "PH test P" in ax.get_title()
    fig.savefig(tmp_path / "fig8.png")


def test_fig8_is_written_with_the_report_figures(written):
    out, _, report = written
    assert report["figures"]["fig8_schoenfeld"]["png"].is_file()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="fig8_schoenfeld"' in page and "Schoenfeld" in page
