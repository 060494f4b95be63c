"""Value labels sit off the curves (Figs 2, 4a, 4b); Fig. 6 has bands and a numbers-at-risk table."""

from __future__ import annotations

import types

import numpy as np
import pytest

from rtdelay.report import figures


def _step_segments(time, value, *, start):
    """Horizontal and vertical segments of a right-continuous step curve from (0, start)."""
    t = np.concatenate(([0.0], np.asarray(time, dtype=float)))
    y = np.concatenate(([start], np.asarray(value, dtype=float)))
    segments = []
    for i in range(len(t) - 1):
        segments.append(((t[i], y[i]), (t[i + 1], y[i])))  # flat until the next time
        segments.append(((t[i + 1], y[i]), (t[i + 1], y[i + 1])))  # the drop
    return segments


def _renderer(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _hits(bbox, segments, transform) -> bool:
    x0, y0, x1, y1 = bbox.x0 + 0.5, bbox.y0 + 0.5, bbox.x1 - 0.5, bbox.y1 - 0.5
    for a, b in segments:
        (ax_, ay), (bx, by) = transform.transform([a, b])
        if not (np.isfinite([ax_, ay, bx, by]).all()):
            continue
        lo_x, hi_x, lo_y, hi_y = min(ax_, bx), max(ax_, bx), min(ay, by), max(ay, by)
        if hi_x >= x0 and lo_x <= x1 and hi_y >= y0 and lo_y <= y1:
            return True
    return False


@pytest.mark.parametrize("builder, endpoint", [
    (figures.fig4a_local_control, "local_control"),
    (figures.fig4b_overall_survival, "overall_survival"),
])
def test_rate_labels_do_not_sit_on_any_curve(results, builder, endpoint):
    fig = builder(results)
    renderer = _renderer(fig)
    ax = fig.axes[0]
    labels = [t for t in ax.texts if str(t.get_gid() or "").startswith("rate:")]
    assert labels, "the 1-year rates are labelled"
    ep = getattr(results, endpoint)
    for text in labels:
        box = text.get_window_extent(renderer)
        for key, curve in ep.curves.items():
            segments = _step_segments(curve.time, curve.survival, start=1.0)
            assert not _hits(box, segments, ax.transData), (text.get_text(), key)


def test_risk_labels_of_fig2_do_not_sit_on_the_curve(results):
    fig = figures.fig2_pbr_risk(results)
    renderer = _renderer(fig)
    ax = fig.axes[0]
    curve = results.interval.pbr_curve
    segments = _step_segments(curve.time, 1.0 - curve.survival, start=0.0)
    labels = [t for t in ax.texts if str(t.get_gid() or "").startswith("risk-label:")]
    assert labels
    for text in labels:
        assert not _hits(text.get_window_extent(renderer), segments, ax.transData)


def test_fig6_has_confidence_bands_and_numbers_at_risk(results, included):
    from rtdelay.study._beyond import run_beyond

    frame = included.assign(inspection_months=included["ti_months"])
    beyond = run_beyond(frame, )
    with_beyond = types.SimpleNamespace(
        **{k: getattr(results, k) for k in results.__dataclass_fields__ if k != "beyond"},
        beyond=beyond)
    fig = figures.fig6_lc_competing(with_beyond)
    ax = fig.axes[0]
    keys = [k for k in ("PBR", "NPBR") if k in beyond.competing.cif]
    assert keys
    bands = {c.get_gid() for c in ax.collections if str(c.get_gid() or "").startswith("cif-band:")}
    assert bands == {f"cif-band:{k}" for k in keys}
    at_risk = [t for t in [*fig.texts, *ax.texts] if str(t.get_gid() or "").startswith("at-risk:")]
    assert {t.get_gid() for t in at_risk} == {f"at-risk:{k}" for k in keys}
    # the first number at risk of each group is the group's size (everyone at risk at 0)
    for key in keys:
        first = [t for t in at_risk if t.get_gid() == f"at-risk:{key}"][0]
        assert int(first.get_text()) == results.local_control.curves[key].n
