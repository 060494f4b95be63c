"""STROBE-style flow diagram of the eligibility steps, laid out as plain SVG (png/pdf beside it).

Boxes: patients screened (every data row read); the rows rejected at validation with their
reasons counted (when the flow says how many); one box listing each exclusion with its count (in the order the
criteria are applied, zeros kept so that every criterion is accounted for); patients included;
the two groups (PBR, NPBR). Labels come from ``flow["labels"]`` (as written by
``rtdelay.cohort.apply_eligibility``), else ``rtdelay.cohort.EXCLUSION_LABELS``, else the keys.
All text is XML-escaped; the result parses as XML and renders inline in HTML.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from rtdelay.atomic import atomic_write

__all__ = ["flow_svg", "write_flow_diagram", "exclusion_labels"]

_W = 700
_BOX_W = 360
_LINE = 16
_PAD = 10
_FONT = "font-family:Helvetica,Arial,sans-serif;font-size:12px"
_WRAP = 60


def exclusion_labels(flow: Mapping[str, Any]) -> dict[str, str]:
    """Labels of the exclusion keys: the flow's own, then the cohort's, then the key itself."""
    labels: dict[str, str] = {}
    try:
        from rtdelay.cohort import EXCLUSION_LABELS

        labels.update(EXCLUSION_LABELS)
    except ImportError:  # pragma: no cover - the cohort package is part of rtdelay
        pass
    given = flow.get("labels")
    if isinstance(given, Mapping):
        labels.update({str(k): str(v) for k, v in given.items()})
    return labels


def _count(value: Any) -> str:
    return "?" if value is None else str(int(value))


def _bullets(counts: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    """One wrapped bullet line per reason: ``• label (n = k)``."""
    lines: list[str] = []
    for key, n in counts.items():
        wrapped = textwrap.wrap(f"{labels.get(key, key)} (n\u00a0=\u00a0{_count(n)})", _WRAP) or [key]
        lines.append("• " + wrapped[0])
        lines.extend("  " + w for w in wrapped[1:])
    return lines


def _box(
    x: float, y: float, w: float, lines: list[str], *, align: str = "middle", gid: str = ""
) -> tuple[str, float]:
    """A rectangle with one text line per entry (first line bold); returns (svg, height)."""
    h = _PAD * 2 + _LINE * len(lines)
    ident = f' id="{escape(gid)}"' if gid else ""
    parts = [f'<g{ident}><rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" rx="4" fill="#ffffff" stroke="#000000" stroke-width="1"/>']
    for i, line in enumerate(lines):
        weight = "bold" if i == 0 else "normal"
        ty = y + _PAD + _LINE * (i + 1) - 4
        tx = x + w / 2 if align == "middle" else x + _PAD
        parts.append(
            f'<text x="{tx:.0f}" y="{ty:.0f}" text-anchor="{align}" font-weight="{weight}" '
            f'style="{_FONT}" xml:space="preserve">{escape(line)}</text>'
        )
    parts.append("</g>")
    return "".join(parts), h


def _arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#000000" stroke-width="1" marker-end="url(#rt-flow-arrow)"/>'


def flow_svg(
    flow: Mapping[str, Any] | None,
    *,
    n_by_group: Mapping[str, int] | None = None,
    included: int | None = None,
    caption: str | None = None,
) -> str:
    """The flow diagram as an SVG document (string).

    Parameters
    ----------
    flow : mapping or None
        ``{"screened", "exclusions": {key: n}, "included", "by_group": {"PBR", "NPBR"},
        "labels"}``. Without a flow only the included patients and the groups are drawn.
    n_by_group, included : optional
        Used when ``flow`` lacks them (``StudyResults.n_by_group`` and ``n_patients``).
    """
    flow = dict(flow or {})
    by_group = dict(flow.get("by_group") or n_by_group or {})
    n_included = flow.get("included", included)
    body: list[str] = []
    y = 10.0
    main_x = 20.0
    if "screened" in flow:
        y0 = y
        box, h = _box(main_x, y, _BOX_W, ["Patients screened", f"n = {_count(flow['screened'])}"], gid="flow-screened")
        body.append(box)
        start = y + h
        mid = main_x + _BOX_W / 2
        ex_x = main_x + _BOX_W / 2 + 40
        if "rejected" in flow:
            lines = [f"Rejected at validation (n = {_count(flow['rejected'])})"]
            lines += _bullets(flow.get("rejection_reasons") or {}, {})
            rj_y = start + 14
            rj_box, rj_h = _box(ex_x, rj_y, _W - ex_x + 20, lines, align="start", gid="flow-rejected")
            body.append(rj_box)
            body.append(_arrow(mid, rj_y + rj_h / 2, ex_x, rj_y + rj_h / 2))
            start = rj_y + rj_h
        labels = exclusion_labels(flow)
        exclusions = dict(flow.get("exclusions") or {})
        total = sum(int(v) for v in exclusions.values() if v is not None)
        lines = [f"Excluded (n = {total})", *_bullets(exclusions, labels)]
        ex_y = start + 14
        ex_box, ex_h = _box(ex_x, ex_y, _W - ex_x + 20, lines, align="start", gid="flow-excluded")
        body.append(ex_box)
        y = ex_y + ex_h + 14
        body.append(_arrow(mid, y0 + h, mid, y))
        body.append(_arrow(mid, ex_y + ex_h / 2, ex_x, ex_y + ex_h / 2))
    box, h = _box(main_x, y, _BOX_W, ["Patients included", f"n = {_count(n_included)}"], gid="flow-included")
    body.append(box)
    y_top = y + h
    gy = y_top + 30
    gw = (_BOX_W - 20) / 2
    for i, (g, text) in enumerate((("PBR", "Progression before RT"), ("NPBR", "No progression before RT"))):
        gx = main_x + i * (gw + 20)
        gbox, gh = _box(gx, gy, gw, [g, text, f"n = {_count(by_group.get(g))}"], gid=f"flow-{g}")
        body.append(gbox)
        body.append(_arrow(main_x + _BOX_W / 2, y_top, gx + gw / 2, gy))
    height = gy + 3 * _LINE + 2 * _PAD + 10
    width = _W + 40
    if caption:
        body.append(
            f'<text x="{width / 2:.0f}" y="{height + 4:.0f}" text-anchor="middle" font-size="11" '
            f'font-style="italic" fill="#444444" id="flow-caption">{escape(caption)}</text>'
        )
        height += 14
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img" aria-labelledby="rt-flow-title">'
        '<title id="rt-flow-title">Flow of patients through the eligibility criteria</title>'
        '<defs><marker id="rt-flow-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#000000"/></marker></defs>'
        + "".join(body)
        + "</svg>\n"
    )


def write_flow_diagram(
    path: str | Path,
    flow: Mapping[str, Any] | None,
    *,
    n_by_group: Mapping[str, int] | None = None,
    included: int | None = None,
    caption: str | None = None,
) -> Path:
    """Write :func:`flow_svg` to ``path`` (an ``.svg`` file) with an XML declaration, and the
    same diagram as ``.png`` and ``.pdf`` beside it (for Word and LaTeX manuscripts)."""
    from rtdelay.report._flow_raster import write_flow_raster

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    svg = flow_svg(flow, n_by_group=n_by_group, included=included, caption=caption)
    atomic_write(target, '<?xml version="1.0" encoding="UTF-8"?>\n' + svg)
    write_flow_raster(svg, target)
    return target
