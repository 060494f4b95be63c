"""Figures: what is drawn comes from the SurvivalCurve objects; the files are valid."""

from __future__ import annotations

import types
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from rtdelay.report import figures
from rtdelay.report._figstyle import AT_RISK_GID, OKABE_ITO, draw_at_risk, new_figure, nice_ticks
from rtdelay.stats import kaplan_meier
from rtdelay.study._beyond import run_beyond


def _drawn_at_risk(fig):
    """{row label: [(x, number), ...]} of the at-risk texts drawn on the figure."""
    out: dict[str, list[tuple[float, int]]] = {}
    for ax in fig.axes:
        for text in ax.texts:
            gid = text.get_gid() or ""
            if gid.startswith(AT_RISK_GID + ":"):
                out.setdefault(gid.split(":", 1)[1], []).append((float(text.get_position()[0]), int(text.get_text())))
    return out


def test_at_risk_numbers_by_hand():
    # times 1, 2, 2, 3, 5, 8: at risk at t = number with time >= t (R summary(fit, times)):
    # t=0: 6, t=2: 5, t=4: 2, t=6: 1, t=8: 1, t=10: 0 (beyond the last time)
    curve = kaplan_meier([1, 2, 2, 3, 5, 8], [1, 0, 1, 1, 0, 1])
    fig, ax = new_figure(n_risk_rows=1)
    ax.set_xlim(0, 10)
    draw_at_risk(ax, [("All", curve, "#000000")], [0, 2, 4, 6, 8, 10])
    assert _drawn_at_risk(fig)["All"] == [(0, 6), (2, 5), (4, 2), (6, 1), (8, 1), (10, 0)]


@pytest.mark.parametrize(
    "builder, curves",
    [
        ("fig2_pbr_risk", lambda r: {"All": r.interval.pbr_curve}),
        ("fig3_pbr_by_surgery", lambda r: {k.capitalize(): c for k, c in r.interval.pbr_curves_by_surgery.items()}),
        ("fig4a_local_control", lambda r: {g: r.local_control.curves[g] for g in ("PBR", "NPBR")}),
        ("fig4b_overall_survival", lambda r: {g: r.overall_survival.curves[g] for g in ("PBR", "NPBR")}),
    ],
)
def test_drawn_at_risk_equals_summary_at(results, builder, curves):
    fig = getattr(figures, builder)(results)
    drawn = _drawn_at_risk(fig)
    expected_curves = curves(results)
    assert set(drawn) == set(expected_curves)
    for label, curve in expected_curves.items():
        ticks = [x for x, _ in drawn[label]]
        assert ticks == list(fig.axes[0].get_xticks())
        assert [n for _, n in drawn[label]] == curve.summary_at(ticks).n_at_risk.tolist()


def test_endpoint_figure_marks_the_one_year_rates_and_p(results):
    from rtdelay.report.formatting import format_percent

    fig = figures.fig4a_local_control(results)
    texts = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if t.get_gid()}
    for g in ("PBR", "NPBR"):
        assert texts[f"rate:{g}"] == format_percent(results.local_control.rates[g].value)
    assert texts["p-value"] == figures.p_label(results.local_control.logrank)
    assert texts["p-value"].startswith("Log-rank P")


def test_palette_and_line_styles_tell_groups_apart(results):
    fig = figures.fig4b_overall_survival(results)
    lines = {ln.get_label(): ln for ln in fig.axes[0].get_lines() if not ln.get_label().startswith("_")}
    pbr = [ln for k, ln in lines.items() if k.startswith("PBR")][0]
    npbr = [ln for k, ln in lines.items() if k.startswith("NPBR")][0]
    assert pbr.get_color().upper() == OKABE_ITO["vermillion"] and npbr.get_color().upper() == OKABE_ITO["blue"]
    assert pbr.get_linestyle() != npbr.get_linestyle()  # readable in greyscale


def test_sizes_follow_journal_columns(results):
    single = figures.fig2_pbr_risk(results, width="single")
    double = figures.fig2_pbr_risk(results, width="double")
    assert single.get_figwidth() * 25.4 == pytest.approx(85.0)
    assert double.get_figwidth() * 25.4 == pytest.approx(170.0)
    with pytest.raises(ValueError, match="width must be one of"):
        figures.fig2_pbr_risk(results, width="A4")


def test_drawing_on_a_given_axes_returns_its_figure(results):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 3))
    ax1, ax2 = fig.subplots(1, 2)
    assert figures.fig4a_local_control(results, ax=ax1) is fig
    assert figures.fig4b_overall_survival(results, ax=ax2) is fig


def test_files_are_valid(written):
    out, _, report = written
    for name in ("fig2_pbr_risk", "fig3_pbr_by_surgery", "fig4a_local_control", "fig4b_overall_survival"):
        png = (out / "figures" / f"{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
        root = ET.parse(out / "figures" / f"{name}.svg").getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        pdf = (out / "figures" / f"{name}.pdf").read_bytes()
        assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:]
    root = ET.parse(out / "figures" / "flow_diagram.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_files_are_deterministic(results, tmp_path):
    fig = figures.fig2_pbr_risk(results)
    a = figures.save_figure(fig, tmp_path / "a" / "f")
    b = figures.save_figure(figures.fig2_pbr_risk(results), tmp_path / "b" / "f")
    for fmt in ("svg", "pdf", "png"):
        assert a[fmt].read_bytes() == b[fmt].read_bytes(), fmt
    with pytest.raises(ValueError, match="unknown figure format"):
        figures.save_figure(fig, tmp_path / "c", formats=("jpg",))


def test_nice_ticks():
    assert nice_ticks(8.6, steps=(1, 2, 3, 6)) == [0, 2, 4, 6, 8, 10]
    assert nice_ticks(27.0, steps=(3, 6, 12, 24)) == [0, 6, 12, 18, 24, 30]
    assert nice_ticks(float("nan")) == [0, 1]


def test_empty_group_is_not_an_error(included):
    from rtdelay.study import run

    only_npbr = run(included[included["group"] == "NPBR"])
    fig = figures.fig4a_local_control(only_npbr)
    assert set(_drawn_at_risk(fig)) == {"NPBR"}
    assert not any(t.get_gid() == "p-value" for t in fig.axes[0].texts)


def test_beyond_figures_only_with_beyond(results, included):
    from rtdelay.study import run

    without = run(included, beyond=False)
    assert "fig5_waiting_risk" not in figures.figure_builders(without)
    with pytest.raises(ValueError, match="no beyond-the-article waiting"):
        figures.fig5_waiting_risk(without)
    frame = included.assign(inspection_months=included["ti_months"])
    beyond = run_beyond(frame)
    with_beyond = types.SimpleNamespace(**{k: getattr(results, k) for k in results.__dataclass_fields__ if k != "beyond"}, beyond=beyond)
    builders = figures.figure_builders(with_beyond)
    assert {"fig5_waiting_risk", "fig6_lc_competing"} <= set(builders)
    fig5 = figures.fig5_waiting_risk(with_beyond)
    labels = [ln.get_label() for ln in fig5.axes[0].get_lines()]
    assert "Kaplan-Meier (article)" in labels and "Current-status NPMLE" in labels
    fig6 = figures.fig6_lc_competing(with_beyond)
    cif_line = [ln for ln in fig6.axes[0].get_lines() if ln.get_label() == "PBR: cumulative incidence"][0]
    cif = beyond.competing.cif["PBR"]
    np.testing.assert_array_equal(cif_line.get_ydata()[1:], cif.estimate)  # drawn as given
