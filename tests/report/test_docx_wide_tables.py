"""A Word table of seven or more columns (the 8-column survival table) is set on a landscape
page at 8 pt so that it does not wrap; narrower tables stay portrait at the default size."""

from __future__ import annotations

from pathlib import Path

import pytest


def _table(width: int):
    from rtdelay.report import ReportTable, TableRow

    header = ("Outcome", *[f"Column {j}" for j in range(1, width)])
    rows = (TableRow(cells=("Overall survival", *["12.3 (8.1–17.0)"] * (width - 1))),)
    return ReportTable(name=f"t{width}", title=f"Table 3. {width} columns", header=header,
                       rows=rows)


@pytest.mark.parametrize("width, landscape", [(3, False), (6, False), (7, True), (8, True)])
def test_wide_word_tables_are_landscape_at_8_pt(tmp_path: Path, width: int, landscape: bool):
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    path = _table(width).to_docx(tmp_path / "t.docx")
    document = Document(str(path))
    section = document.sections[-1]
    assert (section.orientation == WD_ORIENT.LANDSCAPE) is landscape
    assert (section.page_width > section.page_height) is landscape
    runs = [r for cell in document.tables[0]._cells for p in cell.paragraphs for r in p.runs]
    sizes = {r.font.size for r in runs}
    assert sizes == ({Pt(8)} if landscape else {None})
    if landscape:  # 2 cm margins: more than 23 cm of line for the eight columns
        usable = section.page_width - section.left_margin - section.right_margin
        assert usable / 360000 > 23  # EMU per cm

