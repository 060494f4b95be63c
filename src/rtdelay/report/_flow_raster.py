"""The flow diagram as png and pdf: the SVG of :mod:`rtdelay.report._flow` drawn with matplotlib.

The flow diagram is laid out once, as SVG (boxes, text lines, arrows, an optional caption). A
Word or LaTeX manuscript needs it as png or pdf, and no SVG rasteriser is a dependency, so this
module reads that SVG (only the elements :func:`rtdelay.report._flow.flow_svg` writes: ``rect``,
``text``, ``line`` and the caption) and draws the same primitives on a matplotlib figure of the
same size in pixels (1 px = 1/96 inch), so the three files show the same diagram. Text is drawn
with ``parse_math=False``: a ``$`` in a reason stays a dollar sign.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from rtdelay.atomic import atomic_file

__all__ = ["write_flow_raster"]

_NS = "{http://www.w3.org/2000/svg}"
_PX_PER_INCH = 96.0
_PT_PER_PX = 72.0 / _PX_PER_INCH


def _font_px(style: str | None, size: str | None) -> float:
    for part in (style or "").split(";"):
        key, _, value = part.partition(":")
        if key.strip() == "font-size":
            return float(value.strip().removesuffix("px"))
    return float(size) if size else 12.0


def write_flow_raster(svg: str, target: Path, *, dpi: int = 200) -> list[Path]:
    """Draw the flow diagram ``svg`` (as :func:`flow_svg` writes it) to ``target`` .png and .pdf.

    Returns the two paths written (same stem as ``target``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    root = ET.fromstring(svg)
    width, height = float(root.get("width", "740")), float(root.get("height", "400"))
    fig = plt.figure(figsize=(width / _PX_PER_INCH, height / _PX_PER_INCH))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)  # SVG's y axis points down
    ax.axis("off")
    for element in root.iter():
        tag = element.tag.removeprefix(_NS)
        if tag == "rect":
            x, y = float(element.get("x", 0)), float(element.get("y", 0))
            w, h = float(element.get("width", 0)), float(element.get("height", 0))
            ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=4",
                                        facecolor="white", edgecolor="black", linewidth=0.75))
        elif tag == "line":
            x1, y1 = float(element.get("x1", 0)), float(element.get("y1", 0))
            x2, y2 = float(element.get("x2", 0)), float(element.get("y2", 0))
            ax.annotate("", xy=(x2, y2), xytext=(x1, y1),
                        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 0.75,
                                    "shrinkA": 0, "shrinkB": 0, "mutation_scale": 8})
        elif tag == "text" and element.text:
            anchor = {"middle": "center", "start": "left", "end": "right"}.get(
                element.get("text-anchor", "start"), "left")
            ax.text(float(element.get("x", 0)), float(element.get("y", 0)), element.text,
                    ha=anchor, va="baseline", parse_math=False,
                    fontsize=_font_px(element.get("style"), element.get("font-size")) * _PT_PER_PX,
                    fontweight=element.get("font-weight", "normal"),
                    fontstyle=element.get("font-style", "normal"),
                    color=element.get("fill", "black"), family="sans-serif")
    written: list[Path] = []
    try:
        for suffix in (".png", ".pdf"):
            path = target.with_suffix(suffix)
            with atomic_file(path, "wb") as handle:
                fig.savefig(handle, format=suffix[1:], dpi=dpi,
                            metadata={"CreationDate": None} if suffix == ".pdf" else None)
            written.append(path)
    finally:
        plt.close(fig)
    return written
