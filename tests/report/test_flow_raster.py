"""The flow diagram is written as png and pdf beside the svg, showing the same boxes."""

from __future__ import annotations

from pathlib import Path

FLOW = {"screened": 120, "rejected": 3, "rejection_reasons": {"cost $5 <b>": 2, "x": 1},
        "exclusions": {"no_rt": 5, "other": 2}, "included": 110,
        "by_group": {"PBR": 20, "NPBR": 90}}


def test_flow_diagram_png_and_pdf_beside_the_svg(tmp_path: Path) -> None:
    import matplotlib.image as mpimg

    from rtdelay.report._flow import flow_svg, write_flow_diagram

    svg_path = write_flow_diagram(tmp_path / "figures" / "flow_diagram.svg", FLOW, caption="c")
    png, pdf = svg_path.with_suffix(".png"), svg_path.with_suffix(".pdf")
    assert png.is_file() and pdf.is_file()
    assert pdf.read_bytes().startswith(b"%PDF")
    image = mpimg.imread(png)
    svg = flow_svg(FLOW, caption="c")
    width = float(svg.split('width="', 1)[1].split('"', 1)[0])
    height = float(svg.split('height="', 1)[1].split('"', 1)[0])
    assert abs(image.shape[1] / image.shape[0] - width / height) < 0.02  # same layout
    assert image.shape[1] >= 1200  # print resolution (200 dpi)
    # deterministic: the same flow gives the same pdf bytes
    again = write_flow_diagram(tmp_path / "again" / "flow_diagram.svg", FLOW, caption="c")
    assert again.with_suffix(".pdf").read_bytes() == pdf.read_bytes()


def test_flow_text_is_drawn_as_text_not_mathtext(tmp_path: Path) -> None:
    from rtdelay.report._flow import flow_svg
    from rtdelay.report._flow_raster import write_flow_raster

    flow = dict(FLOW, rejection_reasons={"$x^2$ and $": 1, "50 $ fee": 2})
    written = write_flow_raster(flow_svg(flow), tmp_path / "f.svg")
    assert [p.suffix for p in written] == [".png", ".pdf"]
