"""Tables as journals format them: Word three rules + Caption style, LaTeX booktabs without a
second "Table 1.", Markdown/HTML alignment, standalone html styled, Table 1 "≥", median (range)."""

from __future__ import annotations

from docx import Document
from docx.oxml.ns import qn

from rtdelay.report._table_model import ReportTable, TableRow
from rtdelay.report.tables import table1

T = ReportTable(
    name="demo",
    title="Table 9. Something by group",
    header=("Characteristic", "Group", "Value"),
    rows=(TableRow(cells=("Age", "PBR", "61.2 ± 9.0")), TableRow(cells=("Sex", "NPBR", "< 0.001"))),
    footnotes=("A note.",),
)


def test_numeric_columns():
    assert T.numeric_columns() == (False, False, True)


def test_markdown_alignment():
    sep = T.to_markdown().splitlines()[3]
    assert sep == "| :--- | :--- | ---: |"


def test_latex_booktabs_caption_without_label():
    tex = T.to_latex()
    assert "\\caption{Something by group}" in tex and "Table 9." not in tex
    assert "\\begin{tabular}{llr}" in tex
    assert "\\toprule" in tex and "\\midrule" in tex and "\\bottomrule" in tex


def test_word_three_rules_and_caption(tmp_path):
    path = T.to_docx(tmp_path / "t.docx")
    doc = Document(str(path))
    assert doc.paragraphs[0].style.name == "Caption" and doc.paragraphs[0].text == T.title
    table = doc.tables[0]
    assert table.style is None or table.style.name != "Table Grid"
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    vals = {child.tag.split("}")[1]: child.get(qn("w:val")) for child in borders}
    assert vals == {"top": "single", "bottom": "single", "left": "nil", "right": "nil", "insideH": "nil", "insideV": "nil"}
    for cell in table.rows[0].cells:  # the rule under the header
        tc_borders = cell._tc.tcPr.find(qn("w:tcBorders"))
        assert tc_borders.find(qn("w:bottom")).get(qn("w:val")) == "single"
    for row in table.rows[1:]:
        for cell in row.cells:
            tc_pr = cell._tc.tcPr
            assert tc_pr is None or tc_pr.find(qn("w:tcBorders")) is None
    assert doc.paragraphs[-1].text == "A note."  # footnotes below the table


def test_standalone_html_is_styled(tmp_path):
    page = T.write(tmp_path, formats=("html",))["html"].read_text(encoding="utf-8")
    assert "<style>" in page and "border-top: 2px solid" in page and 'class="text"' in page


def test_table1_symbols_and_fractions(results):
    t = table1(results)
    from rtdelay.report.tables import _level_label

    assert _level_label(">= 6 months") == "≥ 6 months" and _level_label("<= 5") == "≤ 5"
    # score bands as Table 1 lists them beside "Stable" and "Unstable"
    assert _level_label("potentially unstable") == "Potentially unstable"
    assert _level_label("long-term local control") == "Long-term local control"
    assert _level_label("Mixed Case text") == "Mixed Case text"
    labels = [r.cells[0] for r in t.rows]
    assert not any(">=" in c or "<=" in c for c in labels)
    fractions = next(r.cells for r in t.rows if r.cells[0].startswith("Radiotherapy fractions"))
    assert fractions[0] == "Radiotherapy fractions, median (range)"
    s = results.table1.row("rt_fractions").summaries["all"]
    assert fractions[1].startswith(f"{s.median:.0f} (") and "–" in fractions[1]
