"""Tables: one model in five formats; Word tables carry the numbers of results.json."""

from __future__ import annotations

import csv
import io
import json

import docx
import pytest

from rtdelay.report import ReportTable, TableRow
from rtdelay.report.formatting import format_mean_sd, format_n_percent, format_p, format_rate_ci
from rtdelay.report.tables import survival_rates_table, table1, table2


def _docx_rows(path):
    document = docx.Document(str(path))
    assert len(document.tables) == 1
    table = document.tables[0]
    # first run of each cell: the text without its footnote marker (a separate superscript run)
    rows = []
    for row in table.rows:
        rows.append([c.paragraphs[0].runs[0].text if c.paragraphs[0].runs else "" for c in row.cells])
    return document, table, rows


def _row(rows, label):
    hits = [r for r in rows if r[0] == label]
    assert len(hits) == 1, (label, [r[0] for r in rows])
    return hits[0]


def test_table_model_renders_the_same_cells_in_every_format():
    t = ReportTable(
        name="t",
        title="Costs & 5% <odd> names_with_underscores",
        header=("Item", "Value"),
        rows=(
            TableRow(cells=("Group", ""), section=True),
            TableRow(cells=("a|b", "54.6 ± 11.6"), indent=1, marks={1: "a"}),
        ),
        footnotes=("a Mann-Whitney U.",),
    )
    rows = list(csv.reader(io.StringIO(t.to_csv())))
    assert rows[0] == ["Item", "Value"]
    assert rows[2] == ["  a|b", "54.6 ± 11.6 [a]"]
    assert rows[3] == ["# a Mann-Whitney U."]
    md = t.to_markdown()
    assert "a\\|b" in md and "54.6 ± 11.6<sup>a</sup>" in md
    tex = t.to_latex()
    assert "\\toprule" in tex and "\\bottomrule" in tex
    assert "Costs \\& 5\\% \\textless{}odd\\textgreater{} names\\_with\\_underscores" in tex
    assert "54.6 $\\pm$ 11.6\\textsuperscript{a}" in tex
    html_text = t.to_html()
    assert "&lt;odd&gt;" in html_text and "<sup>a</sup>" in html_text


def test_table_model_rejects_ragged_rows():
    with pytest.raises(ValueError, match="row 0 has 1 cells"):
        ReportTable(name="t", title="t", header=("a", "b"), rows=(TableRow(cells=("x",)),))
    with pytest.raises(ValueError, match="outside the table"):
        ReportTable(name="t", title="t", header=("a",), rows=(TableRow(cells=("x",), marks={3: "a"}),))


def test_docx_is_a_real_word_table_with_header_and_footnotes(tmp_path, results):
    path = table1(results).to_docx(tmp_path / "t1.docx")
    document, table, rows = _docx_rows(path)
    assert rows[0][0] == "Characteristic"
    assert table.rows[0].cells[0].paragraphs[0].runs[0].bold
    header_flag = table.rows[0]._tr.trPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader"
    )
    assert header_flag is not None  # the header row repeats on each page
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Mann-Whitney U" in text and "Fisher's exact" in text and "Pearson chi-square" in text


def test_table1_docx_carries_the_numbers_of_results_json(written):
    out, paths, _ = written
    doc = json.loads(paths["results"].read_text())
    _, _, rows = _docx_rows(out / "tables" / "table1.docx")
    n = doc["n_patients"]
    assert rows[0][1] == f"All (n = {n})"
    assert _row(rows, "Age (years)")[1] == format_mean_sd(*doc["age_mean_sd"])
    for level, count in doc["histology_counts"].items():
        assert _row(rows, level.capitalize())[1] == format_n_percent(count, n)
    by_var = {r["variable"]: r for r in doc["details"]["table1"]["rows"]}
    assert _row(rows, "Age (years)")[4] == format_p(by_var["age"]["p_value"])
    assert _row(rows, "Operation")[4] == format_p(by_var["surgery_type"]["p_value"])
    # the footnote marker is a separate superscript run: the cell text is the p value + marker
    document = docx.Document(str(out / "tables" / "table1.docx"))
    age = [r for r in document.tables[0].rows if r.cells[0].text == "Age (years)"][0]
    runs = age.cells[4].paragraphs[0].runs
    assert len(runs) == 2 and runs[1].font.superscript


def test_survival_rates_docx_carries_the_numbers_of_results_json(written):
    out, paths, _ = written
    doc = json.loads(paths["results"].read_text())
    _, _, rows = _docx_rows(out / "tables" / "survival_rates.docx")
    lc = doc["details"]["local_control"]["rates"]["all"]
    start = [i for i, r in enumerate(rows) if r[0] == "Local control"][0]
    twelve = [r for r in rows[start + 1 : start + 4] if r[1] == "12"][0]
    assert twelve[2] == str(lc["n_at_risk"])
    assert twelve[3] == format_rate_ci(lc["survival"], lc["lower"], lc["upper"])
    os_start = [i for i, r in enumerate(rows) if r[0] == "Overall survival"][0]
    os_all = doc["details"]["overall_survival"]["rates"]["all"]
    twelve = [r for r in rows[os_start + 1 : os_start + 4] if r[1] == "12"][0]
    assert twelve[3] == format_rate_ci(os_all["survival"], os_all["lower"], os_all["upper"])


def test_survival_rates_read_from_summary_at(results):
    t = survival_rates_table(results, times=(6.0, 12.0))
    curve = results.overall_survival.curves["PBR"]
    expected = curve.summary_at([6.0, 12.0])
    rows = [r.cells for r in t.rows]
    i = [k for k, c in enumerate(rows) if c[0] == "PBR"][1]  # second block is overall survival
    assert rows[i][2] == str(int(expected.n_at_risk[0]))
    assert rows[i + 1][3] == format_rate_ci(expected.survival[1], expected.lower[1], expected.upper[1])


def test_table2_names_its_tests(results):
    t = table2(results)
    notes = " ".join(t.footnotes)
    assert "Wilcoxon signed-rank" in notes and "Mann-Whitney U" in notes
    nrs = results.table2.measures["nrs"].groups["PBR"]
    first = t.rows[0].cells
    assert first[1] == "PBR" and first[2] == format_mean_sd(nrs.pre.mean, nrs.pre.sd)
    assert first[5] == format_p(nrs.p_value)


def test_all_formats_written(written):
    out, _, report = written
    names = (
        "table1", "table2", "survival_summary", "survival_rates", "complications",
        "beyond_waiting_risk", "beyond_lc_competing", "beyond_cox", "beyond_landmark",
    )
    for name in names:
        for fmt in ("csv", "md", "html", "docx", "tex"):
            path = out / "tables" / f"{name}.{fmt}"
            assert path.is_file() and path.stat().st_size > 0, path
    assert set(report["tables"]) == set(names)
