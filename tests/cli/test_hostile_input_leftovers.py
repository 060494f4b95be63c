"""Issue 10 leftovers: the sheet named in the mapping file, load notes in report.html, progress
of validate, tick positions bounded for any duration."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from rtdelay.cli import app
from rtdelay.errors import CohortError

runner = CliRunner()
DEMO = Path(__file__).parents[2] / "src" / "rtdelay" / "demo" / "data" / "cohort.csv"


def _workbook(tmp_path: Path) -> Path:
    """Two sheets that both look like a cohort: 'old' (every row) and 'current' (40 rows)."""
    frame = pd.read_csv(DEMO, dtype=str)
    path = tmp_path / "two_sheets.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, sheet_name="old", index=False)
        frame.head(40).to_excel(writer, sheet_name="current", index=False)
    return path


def _mapping(tmp_path: Path, sheet: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(f'sheet = "{sheet}"\n\n[columns]\n', encoding="utf-8")
    return path


def test_the_mapping_file_names_the_sheet(tmp_path):
    from rtdelay.cohort import load_table, read_mapping

    book = _workbook(tmp_path)
    mapping = _mapping(tmp_path, "current")
    assert read_mapping(mapping).sheet == "current"
    raw = load_table(book, mapping=mapping)
    assert len(raw.frame) == 40
    assert "sheet 'current' named by the mapping file" in raw.notes
    assert len(load_table(book, mapping=mapping, sheet="old").frame) > 40  # --sheet wins
    with pytest.raises(CohortError, match="no sheet named 'missing'.*mapping file mapping.toml"):
        load_table(book, mapping=_mapping(tmp_path, "missing"))
    csv_raw = load_table(DEMO, mapping=_mapping(tmp_path, "current"))
    assert any("has no sheets, so it was not used" in n for n in csv_raw.notes)


@pytest.mark.parametrize("value", ["", "   ", "1", "[1]"])
def test_a_bad_sheet_entry_in_the_mapping_is_one_clear_error(tmp_path, value):
    from rtdelay.cohort import read_mapping

    path = tmp_path / "m.toml"
    path.write_text(f"sheet = {value if value.startswith(('1', '[')) else repr(value)}\n",
                    encoding="utf-8")
    with pytest.raises(CohortError, match="sheet must be the name of a worksheet"):
        read_mapping(path)


def test_validate_uses_the_mapping_sheet_and_reports_progress(tmp_path):
    book = _workbook(tmp_path)
    mapping = _mapping(tmp_path, "current")
    quiet = runner.invoke(app, ["validate", str(book), "--mapping", str(mapping), "--json"])
    assert quiet.exit_code in (0, 1), quiet.output
    assert json.loads(quiet.stdout)["rows"] == 40
    assert "rtdelay: validate:" not in quiet.stderr  # not a terminal: no progress by default
    loud = runner.invoke(app, ["validate", str(book), "--mapping", str(mapping), "--json",
                               "--progress"])
    lines = [ln for ln in loud.stderr.splitlines() if ln.startswith("rtdelay: validate:")]
    assert "reading two_sheets.xlsx" in lines[0] and lines[-1].endswith("done")
    assert any("checking column 1 of" in ln and "in 40 rows" in ln for ln in lines)
    assert any("rules across columns" in ln for ln in lines)


def test_load_notes_are_in_report_html(tmp_path):
    book = _workbook(tmp_path)
    mapping = _mapping(tmp_path, "current")
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(book), "--mapping", str(mapping), "--out", str(out),
                              "--quiet"])
    assert res.exit_code in (0, 1), res.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="load-notes"' in page
    section = page.split('id="load-notes"', 1)[1].split("</ul>", 1)[0]
    assert "sheet &#39;current&#39; named by the mapping file" in section or \
        "sheet 'current' named by the mapping file" in section


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10**30)))
def test_tick_positions_are_bounded_for_any_duration(top):
    from rtdelay.report._figstyle import nice_ticks

    ticks = nice_ticks(top)
    assert 2 <= len(ticks) <= 9 and ticks[0] == 0.0
    assert all(math.isfinite(t) for t in ticks)
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1 or max(steps) / min(steps) - 1 < 1e-9
    finite = isinstance(top, int) or math.isfinite(top)
    if finite and float(top) >= 1:
        assert ticks[-1] >= float(top) * (1 - 1e-12)


def test_ticks_near_the_largest_float_stay_finite():
    import sys

    from rtdelay.report._figstyle import nice_ticks

    ticks = nice_ticks(sys.float_info.max)  # found by the property test above in CI
    assert len(ticks) == 9 and all(math.isfinite(t) for t in ticks)
    assert ticks[-1] == sys.float_info.max
