"""Word tables: a column of numbers is wide enough that an estimate and its interval stay on one
line ("91.2% (81.4–96.0)" wrapped onto two lines in portrait when every column had a quarter of
the page).

The width a cell needs is measured with a real font, DejaVu Serif (matplotlib ships it; it is
what LibreOffice sets for the Cambria of Word's default template, and wider than Cambria), from
its glyph advances: independent of the per-character estimate the writer uses.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CELL_MARGINS_TWIPS = 2 * 108  # Word's default left + right cell margins (0.075 in each)
KEEP_TOGETHER = re.compile(r"\s+(?!\()")  # a line may break at a space, not before "(lo–hi)"


def _advance_pt(text: str, size_pt: float, *, bold: bool = False) -> float:
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font, LoadFlags

    prop = font_manager.FontProperties(family="DejaVu Serif", weight="bold" if bold else "normal")
    font = FT2Font(font_manager.findfont(prop, fallback_to_default=False))
    font.set_size(size_pt, 72)  # 72 dpi: one pixel is one point
    return (
        sum(font.load_char(ord(ch), flags=LoadFlags.NO_HINTING).linearHoriAdvance for ch in text)
        / 65536
    )


def _columns(path: Path):
    """(font size, line width, grid widths in twips, header, body rows, numeric flags)."""
    from docx import Document
    from docx.oxml.ns import qn

    document = Document(str(path))
    section = document.sections[-1]
    line = (section.page_width - section.left_margin - section.right_margin) / 635  # EMU per twip
    table = document.tables[0]
    grid = [int(col.get(qn("w:w"))) for col in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    sizes = {r.font.size for cell in table._cells for p in cell.paragraphs for r in p.runs}
    size = 11.0 if sizes == {None} else sizes.pop().pt
    return size, line, grid, rows[0], rows[1:]


def test_number_columns_never_part_an_estimate_from_its_interval(written):
    out = written[0]
    tables = sorted((out / "tables").glob("*.docx"))
    assert len(tables) >= 8
    checked = 0
    for path in tables:
        size, line, grid, header, body = _columns(path)
        assert sum(grid) <= line + 1, path.name  # the table fits the text line
        for j in range(1, len(header)):
            cells = [row[j] for row in body if row[j].strip()]
            if not cells or not all(re.match(r"[<>≤≥]?\s*[−\-–]?\d", c) for c in cells):
                continue  # a text column may wrap at spaces
            pieces = [p for c in cells for p in KEEP_TOGETHER.split(c) if p]
            widest = max(pieces, key=lambda p: _advance_pt(p, size))
            need = _advance_pt(widest, size) * 20 + CELL_MARGINS_TWIPS
            assert grid[j] >= need, (path.name, header[j], widest, grid[j], round(need))
            checked += 1
    assert checked >= 10  # the estimate, at-risk, p value... columns of the report's tables


@pytest.mark.parametrize("text", ["91.2% (81.4–96.0)", "100.0% (100.0–100.0)"])
def test_survival_rates_estimate_on_one_line_in_portrait(tmp_path: Path, text: str):
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn

    from rtdelay.report import ReportTable, TableRow

    table = ReportTable(
        name="rates",
        title="Table 4. Rates",
        header=("Endpoint and group", "Months", "At risk", "Estimate (95% CI)"),
        rows=(
            TableRow(
                cells=("Local control and a long label that may well wrap", "", "", ""),
                section=True,
            ),
            TableRow(cells=("All patients", "6", "58", text), indent=1),
        ),
    )
    document = Document(str(table.to_docx(tmp_path / "rates.docx")))
    assert document.sections[-1].orientation == WD_ORIENT.PORTRAIT
    grid = [int(c.get(qn("w:w"))) for c in document.tables[0]._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert grid[3] >= _advance_pt(text, 11) * 20 + CELL_MARGINS_TWIPS
    # the header of a number column stays on one line too when the label column can give way
    assert grid[2] >= _advance_pt("At risk", 11, bold=True) * 20 + CELL_MARGINS_TWIPS
    assert sum(grid) == 8640  # Letter less 1.25 in margins: the line of python-docx's template
    # cells carry the same widths as the grid (Word reads tcW, LibreOffice the grid)
    for row in document.tables[0].rows:
        assert [int(c._tc.tcPr.tcW.get(qn("w:w"))) for c in row.cells] == grid


def test_a_label_longer_than_the_line_does_not_squeeze_the_numbers(tmp_path: Path):
    from docx import Document
    from docx.oxml.ns import qn

    from rtdelay.report import ReportTable, TableRow

    text = "1.0 (0.5–2.0)"
    table = ReportTable(
        name="long",
        title="Table 9. Long label",
        header=("Label", "HR (95% CI)"),
        rows=(TableRow(cells=("x" * 400, text)),),
    )
    document = Document(str(table.to_docx(tmp_path / "long.docx")))
    grid = [int(c.get(qn("w:w"))) for c in document.tables[0]._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert sum(grid) == 8640
    assert grid[1] >= _advance_pt(text, 11) * 20 + CELL_MARGINS_TWIPS
