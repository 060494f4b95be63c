"""Issue 10: hostile and malformed input, rebuilt on the project's own cohort.

Every test here failed before the fix (checked against main). Files are read back the way a
spreadsheet or a script would read them: nothing lost, no live formula, no overwritten input.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from study_cohort_dates import dates_frame  # noqa: E402

from rtdelay.cli import app  # noqa: E402

runner = CliRunner()
CORPUS = Path(__file__).parents[1] / "cohort" / "corpus"
FORMULA_STARTS = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
PAYLOAD = "@SUM(1+1)*cmd|' /C calc'!A0"


def _cohort():
    """The study cohort in dates form, as text cells (hostile values can go anywhere)."""
    return dates_frame().astype(object)


def _write_csv(path: Path, frame) -> Path:
    """Write every field quoted (a CR inside a field survives, as Excel writes it)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(list(frame.columns))
        for row in frame.itertuples(index=False):
            writer.writerow(["" if v is None or v != v else str(v) for v in row])
    return path


def _records(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _live_formula(cell: str) -> bool:
    """What a spreadsheet would run: first non-blank, non-control character starts a formula."""
    if cell.startswith("'"):
        return False
    stripped = "".join(ch for ch in cell if not (ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")))
    if not stripped or stripped[0] not in FORMULA_STARTS:
        return False
    try:
        float(stripped)
    except ValueError:
        return True
    return False


def _hostile_cohort(tmp_path: Path) -> Path:
    frame = _cohort()
    frame.loc[0, "patient_id"] = "P\r" + PAYLOAD  # included patient, CR in the id
    frame.loc[1, "patient_id"] = "R1\r=HYPERLINK(\"http://x\")"  # rejected below
    frame.loc[1, "surgery_date"] = "abc"
    frame.loc[2, "patient_id"] = " \x01=1+1"  # formula after blank and control characters
    frame.loc[2, "surgery_date"] = "abc"
    return _write_csv(tmp_path / "cohort.csv", frame)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    cohort = _hostile_cohort(tmp)
    out = tmp / "out"
    res = runner.invoke(app, ["analyze", str(cohort), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    return out, len(_cohort())


# -- data loss and injection ---------------------------------------------------------------


def test_carriage_return_does_not_split_records(hostile_run):
    out, n = hostile_run
    quarantine = _records(out / "quarantine.csv")
    assert len(quarantine) == 1 + 2  # header + the two rejected rows, each one record
    included = _records(out / "cohort_included.csv")
    ids = [r[included[0].index("patient_id")] for r in included[1:]]
    assert any(i.endswith(PAYLOAD) and "\r" in i for i in ids)
    assert all(len(r) == len(included[0]) for r in included)


def test_no_live_formula_in_any_csv_output(hostile_run):
    out, _ = hostile_run
    files = sorted(out.rglob("*.csv"))
    assert files
    for path in files:
        for record in _records(path):
            live = [c for c in record if _live_formula(c)]
            assert not live, (path.name, live)


def test_report_csv_tables_go_through_the_escaping_writer():
    from rtdelay.report._table_model import ReportTable, TableRow

    table = ReportTable(
        name="complications",
        title="t",
        header=("Complication", "n"),
        rows=(TableRow(cells=("=cmd|'/C calc'!A0", "1")), TableRow(cells=("a\rb", "2"))),
    )
    records = list(csv.reader(io.StringIO(table.to_csv(), newline="")))
    assert records[1][0] == "'=cmd|'/C calc'!A0"
    assert records[2][0] == "a\rb" and len(records) == 3


@pytest.mark.parametrize("value", [" =1+1", "\t\t@SUM(1)", "\x00-cmd", "\u200b+HYPERLINK(1)", "\n=1"])
def test_formula_escaping_looks_past_blanks_and_controls(value):
    from rtdelay.cohort import escape_formula

    assert escape_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["-3.5", " -3.5", "+1e3", "plain", "a=b"])
def test_plain_values_are_not_escaped(value):
    from rtdelay.cohort import escape_formula

    assert escape_formula(value) == value


def test_stray_opening_quote_refuses_the_file_naming_its_line(tmp_path):
    frame = _cohort().head(12)
    path = tmp_path / "cohort.csv"
    frame.to_csv(path, index=False)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = '"' + lines[5]  # a stray quote at the start of line 6
    path.write_text("".join(lines), encoding="utf-8")
    res = runner.invoke(app, ["analyze", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "opened on line 6" in res.stderr and "Rows read" not in res.output


def test_a_quoted_line_break_in_free_text_is_still_read(tmp_path):
    from rtdelay.cohort import load_table

    path = tmp_path / "t.csv"
    path.write_text('patient_id,note\nP1,"first line\nsecond line"\nP2,x\n', encoding="utf-8")
    table = load_table(path)
    assert table.frame["note"].tolist() == ["first line\nsecond line", "x"]


def test_control_characters_do_not_crash_xlsx_quarantine_and_are_reported(tmp_path):
    import openpyxl

    frame = _cohort().head(5)
    frame.loc[0, "patient_id"] = "P\x07\x1b01"
    frame.loc[0, "surgery_date"] = "abc"
    cohort = _write_csv(tmp_path / "c.csv", frame)
    target = tmp_path / "q.xlsx"
    res = runner.invoke(app, ["validate", str(cohort), "--quarantine", str(target)])
    assert res.exit_code == 1, res.output
    assert "control character" in res.output
    sheet = openpyxl.load_workbook(target).active
    values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert "P\\x07\\x1b01" in values


def test_control_characters_do_not_crash_the_word_table(tmp_path):
    from docx import Document

    from rtdelay.report._table_model import ReportTable, TableRow

    table = ReportTable(
        name="t", title="T\x0b", header=("a\x01", "b"), rows=(TableRow(cells=("x\x07y", "1")),), footnotes=("n\x1f",)
    )
    path = table.to_docx(tmp_path / "t.docx")
    text = Document(path).tables[0].cell(1, 0).text
    assert text == "x\\x07y"


@pytest.mark.parametrize("command", ["validate", "km", "compare"])
def test_markup_and_escape_sequences_in_data_are_shown_inert(tmp_path, command):
    hostile = "P[/]1[link=http://evil.example]x\x1b]0;owned\x07\x1b[2J"
    if command == "validate":
        frame = _cohort().head(5)
        frame.loc[0, "patient_id"] = hostile
        frame.loc[0, "surgery_date"] = "abc"
        path = _write_csv(tmp_path / "c.csv", frame)
        args = ["validate", str(path)]
        code = 1
    else:
        path = tmp_path / "s.csv"
        path.write_text(f"t,e,g\n1,1,\"{hostile}\"\n2,0,\"{hostile}\"\n3,1,b\n4,0,b\n", encoding="utf-8")
        args = [command, str(path), "--time", "t", "--event", "e", "--group", "g"]
        code = 0
    res = runner.invoke(app, args, terminal_width=300)
    assert res.exit_code == code, res.output
    assert "\x1b" not in res.output and "\x07" not in res.output
    assert "[/]" in res.output and "[link=http://evil.example]" in res.output


def test_markdown_outputs_neutralise_links_images_and_html():
    from rtdelay.report._table_model import ReportTable, TableRow

    table = ReportTable(
        name="t",
        title="t",
        header=("a", "b"),
        rows=(TableRow(cells=("[click](http://evil.example) ![x](http://e/i.png) <img src=x>", "1")),),
    )
    md = table.to_markdown()
    assert "[click](" not in md and "![x](" not in md and "<img" not in md and "http://" not in md
    assert "\\[click\\]" in md


def test_free_text_labels_are_not_recased():
    from rtdelay.report.tables import _level_label

    assert _level_label("ü ñ") == "ü ñ"
    assert _level_label("unknown_primary") == "Unknown primary"


# -- inputs and outputs ---------------------------------------------------------------------


def test_validate_quarantine_never_overwrites_the_input(tmp_path):
    frame = _cohort().head(5)
    frame.loc[0, "surgery_date"] = "abc"
    path = _write_csv(tmp_path / "c.csv", frame)
    before = path.read_bytes()
    res = runner.invoke(app, ["validate", str(path), "--quarantine", str(path)])
    assert res.exit_code == 2 and "input file" in res.stderr
    assert path.read_bytes() == before


@pytest.mark.parametrize("name", ["quarantine.csv", "cohort_included.csv"])
def test_analyze_never_overwrites_an_input_inside_out(tmp_path, name):
    out = tmp_path / "out"
    out.mkdir()
    path = _write_csv(out / name, _cohort())
    before = path.read_bytes()
    res = runner.invoke(app, ["analyze", str(path), "--out", str(out)])
    assert res.exit_code == 2 and "inside the output folder" in res.stderr
    assert path.read_bytes() == before


def test_demo_refuses_a_folder_holding_the_users_files(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "cohort.csv").write_text("my real cohort\n", encoding="utf-8")
    res = runner.invoke(app, ["demo", "--out", str(out), "--quiet"])
    assert res.exit_code == 2 and "did not write" in res.stderr
    assert (out / "cohort.csv").read_text(encoding="utf-8") == "my real cohort\n"


def test_empty_out_is_refused(tmp_path):
    cohort = _write_csv(tmp_path / "c.csv", _cohort())
    for args in (["analyze", str(cohort), "--out", ""], ["demo", "--out", ""]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2 and "--out needs a folder name" in res.stderr


def test_a_second_run_on_a_locked_folder_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    fd = os.open(out / ".rtdelay-lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        cohort = _write_csv(tmp_path / "c.csv", _cohort())
        res = runner.invoke(app, ["analyze", str(cohort), "--out", str(out), "--quiet"])
    finally:
        os.close(fd)
    assert res.exit_code == 2 and "another rtdelay run" in res.stderr


def test_rerun_leaves_no_file_of_the_previous_run_and_follows_no_symlink(tmp_path):
    cohort = tmp_path / "c.csv"
    frame = _cohort()
    frame.loc[0, "surgery_date"] = "abc"
    _write_csv(cohort, frame)
    out = tmp_path / "out"
    assert runner.invoke(app, ["analyze", str(cohort), "--out", str(out), "--quiet"]).exit_code == 0
    assert (out / "quarantine.csv").is_file() and (out / ".rtdelay-output").is_file()
    # second run: every row valid (no quarantine), a symlink planted where a table goes
    _write_csv(cohort, _cohort())
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (out / "methods.md").unlink()
    (out / "methods.md").symlink_to(victim)
    stale = out / "tables" / "old_table.csv"
    stale.write_text("x\n", encoding="utf-8")
    assert runner.invoke(app, ["analyze", str(cohort), "--out", str(out), "--quiet"]).exit_code == 0
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not (out / "methods.md").is_symlink() and (out / "methods.md").is_file()
    assert not stale.exists()
    assert not (out / "UNFINISHED-RUN.txt").exists()


def test_out_that_is_a_symlink_is_refused(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    res = runner.invoke(app, ["demo", "--out", str(link), "--quiet"])
    assert res.exit_code == 2 and "symbolic link" in res.stderr


def test_disk_full_names_the_file(tmp_path, monkeypatch):
    import errno

    from rtdelay.report import _table_model

    def full(self, path):
        Path(path).write_bytes(b"PK\x03\x04 half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_table_model.ReportTable, "to_docx", full)
    cohort = _write_csv(tmp_path / "c.csv", _cohort())
    res = runner.invoke(app, ["analyze", str(cohort), "--out", str(tmp_path / "out"), "--quiet"])
    assert res.exit_code == 2
    assert "disk is full" in res.stderr and "table1.docx" in res.stderr


def test_km_compare_read_through_the_cohort_reader(tmp_path):
    dup = tmp_path / "dup.csv"
    dup.write_text("t,e,t\n1,1,2\n2,0,3\n", encoding="utf-8")
    res = runner.invoke(app, ["km", str(dup), "--time", "t", "--event", "e"])
    assert res.exit_code == 2 and "both be read as" in res.stderr
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    res = runner.invoke(app, ["compare", str(folder), "--time", "t", "--event", "e", "--group", "g"])
    assert res.exit_code == 2 and "directory" in res.stderr


def test_group_with_thousands_of_levels_is_refused(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("t,e,id\n" + "".join(f"{i % 50 + 1},{i % 2},P{i}\n" for i in range(3000)), encoding="utf-8")
    for command in ("km", "compare"):
        res = runner.invoke(app, [command, str(path), "--time", "t", "--event", "e", "--group", "id"])
        assert res.exit_code == 2 and "3,000 different values" in res.stderr


def test_compare_json_without_events_gives_null(tmp_path):
    import json

    path = tmp_path / "s.csv"
    path.write_text("t,e,g\n1,1,a\n2,1,a\n3,0,b\n4,0,b\n5,0,c\n6,0,c\n", encoding="utf-8")
    res = runner.invoke(app, ["compare", str(path), "--time", "t", "--event", "e", "--group", "g", "--json"])
    assert res.exit_code == 0, res.output
    document = json.loads(res.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON token {c}"))
    pair = [p for p in document["pairwise"] if {p["group1"], p["group2"]} == {"b", "c"}]
    assert pair and pair[0]["p_value"] is None


# -- scale ------------------------------------------------------------------------------------


def test_duplicate_id_reported_once_with_its_rows_linear_size(tmp_path):
    from rtdelay.cohort import load_table, validate_cohort

    base = _cohort().head(1)
    frame = base.loc[base.index.repeat(2000)].reset_index(drop=True)
    path = _write_csv(tmp_path / "dups.csv", frame)
    result = validate_cohort(load_table(path))
    assert result.n_rejected == 2000
    full_lists = [i for i in result.issues if i.rule == "duplicate" and "appears in rows" in i.message]
    assert len(full_lists) == 1 and ", 2000, 2001;" in full_lists[0].message  # line numbers (the header is line 1)
    target = result.write_quarantine(tmp_path / "q.csv")
    assert target.stat().st_size < 2_000_000  # was quadratic: ~2000 * 2000 row numbers


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_no_formula_in_any_output(hostile_run, tmp_path):
    """Convert every csv output (and an xlsx quarantine) with LibreOffice headless; no formula cell.

    A control file with a bare ``=1+1`` must come out as a formula: the check can fail.
    """
    import openpyxl

    out, _ = hostile_run
    sources = sorted(out.rglob("*.csv"))
    control = tmp_path / "control.csv"
    control.write_text("a\n=1+1\n", encoding="utf-8")
    frame = _cohort().head(5)
    frame.loc[0, "patient_id"] = " \x01" + PAYLOAD
    frame.loc[0, "surgery_date"] = "abc"
    cohort = _write_csv(tmp_path / "c.csv", frame)
    xlsx = tmp_path / "quarantine.xlsx"
    assert runner.invoke(app, ["validate", str(cohort), "--quarantine", str(xlsx)]).exit_code == 1
    converted = tmp_path / "converted"
    for i, source in enumerate([control, xlsx, *sources]):
        target_dir = converted / str(i)
        infilter = ["--infilter=CSV:44,34,76,1"] if source.suffix == ".csv" else []
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", *infilter,
             "--convert-to", "xlsx", "--outdir", str(target_dir), str(source)],
            capture_output=True, timeout=300, check=True,
        )
    formulas: dict[str, list[str]] = {}
    for i, source in enumerate([control, xlsx, *sources]):
        book = openpyxl.load_workbook(converted / str(i) / (source.stem + ".xlsx"))
        found = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
        formulas[source.name] = found
        if source == xlsx:  # the payload arrived as text, escaped
            texts = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
            assert "' \x01" + PAYLOAD in texts or "' \\x01" + PAYLOAD in texts, texts
    assert formulas.pop("control.csv") == ["=1+1"]
    assert not any(formulas.values()), formulas


# -- parsing and plausibility -------------------------------------------------------------------


def _validate_rows(tmp_path: Path, edits: list[dict]) -> object:
    from rtdelay.cohort import load_table, validate_cohort

    frame = _cohort().head(len(edits))
    for i, edit in enumerate(edits):
        for column, value in edit.items():
            frame.loc[i, column] = value
    return validate_cohort(load_table(_write_csv(tmp_path / "c.csv", frame)))


@pytest.mark.parametrize(
    ("column", "value"),
    [("age", "6_1"), ("age", "６１"), ("kps_pre", "1e1"), ("age", "121")],
)
def test_strict_numbers_and_plausible_spans(tmp_path, column, value):
    result = _validate_rows(tmp_path, [{column: value}, {}])
    # a row error or (since issue 9, for age and KPS) a rejected value of that field
    flagged = {i.data_row for i in result.issues if i.severity != "warning" and i.column == column}
    assert flagged == {1}, [i.message for i in result.issues]


@pytest.mark.parametrize("column", ["os_months", "lc_months", "ti_months"])
def test_implausible_duration_is_an_error_and_never_reaches_the_figures(tmp_path, column):
    import pandas as pd

    from rtdelay.cohort import load_table, validate_cohort

    frame = pd.read_csv(CORPUS / "durations_form.csv", dtype=str, keep_default_na=False)
    frame.loc[0, column] = "1e20"
    frame.loc[0, "lc_months"] = "1e20" if column != "ti_months" else frame.loc[0, "lc_months"]
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    result = validate_cohort(load_table(path))
    assert 1 in {i.data_row for i in result.errors if i.column == column}
    assert all(result.valid[c].max() <= 480 for c in ("ti_months", "lc_months", "os_months"))


def test_future_date_is_an_error_of_the_row(tmp_path):
    result = _validate_rows(tmp_path, [{"last_followup_date": "2100-01-01"}, {}])
    assert [(i.data_row, i.rule) for i in result.errors] == [(1, "future_date")]


def test_level_range_with_to_and_booleans_written_as_numbers(tmp_path):
    result = _validate_rows(tmp_path, [{"index_level": "T11 to L1", "surgery_at_site": "1.0"}, {"rt_at_site": "1"}])
    assert result.n_rejected == 0, [i.message for i in result.errors]
    assert result.valid["index_level"].iloc[0] == "T11-L1"


def test_nfc_and_nfd_spellings_of_one_id_are_one_patient(tmp_path):
    nfc = unicodedata.normalize("NFC", "Zoë-01")
    nfd = unicodedata.normalize("NFD", "Zoë-01")
    assert nfc != nfd
    result = _validate_rows(tmp_path, [{"patient_id": nfc}, {"patient_id": nfd}])
    assert {i.rule for i in result.errors} == {"duplicate"}


def test_one_stray_byte_in_a_utf8_file_names_its_line(tmp_path):
    from rtdelay.cohort import load_table
    from rtdelay.errors import CohortError

    path = tmp_path / "c.csv"
    path.write_bytes("patient_id,name\nP1,Zoë\nP2,Ren\xe9e\n".replace("Ren\xe9e", "Ren").encode("utf-8")
                     + b"P3,Ren\xe9e\n")
    with pytest.raises(CohortError, match="byte 0xE9 on line 4"):
        load_table(path)
    latin = tmp_path / "l.csv"
    latin.write_bytes(b"patient_id,name\nP1,x\nP2,Ren\xe9e\n")
    assert any("on line 3" in n for n in load_table(latin).notes)


def test_xlsx_decompression_bomb_is_refused_before_unpacking(tmp_path):
    import time
    import tracemalloc
    import zipfile

    from rtdelay.cohort import load_table
    from rtdelay.errors import CohortError

    bomb = tmp_path / "bomb.xlsx"
    chunk = b" " * (1 << 20)
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(300):  # 300 MiB of spaces, about 0.3 MiB compressed
                member.write(chunk)
    assert bomb.stat().st_size < 2 * 1024**2
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(CohortError, match="decompression bomb"):
        load_table(bomb)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 5 and peak < 50 * 1024**2


def test_hidden_sheet_is_not_chosen_silently_and_load_notes_reach_console_and_json(tmp_path):
    import json

    import openpyxl

    frame = _cohort()
    book = openpyxl.Workbook()
    hidden = book.active
    hidden.title = "old_export"
    hidden.append(list(frame.columns))
    for row in frame.head(3).itertuples(index=False):  # a stale copy with more columns filled
        hidden.append(list(row))
    hidden.sheet_state = "hidden"
    shown = book.create_sheet("patients")
    shown.append(list(frame.columns)[:-1])
    for row in frame.itertuples(index=False):
        shown.append(list(row)[:-1])
    hidden.append(["extra"] * (len(frame.columns) + 3))
    path = tmp_path / "cohort.xlsx"
    book.save(path)
    out = tmp_path / "out"
    res = runner.invoke(app, ["analyze", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "sheet: patients" in res.output and "hidden sheets not read: old_export" in res.output
    document = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert any("hidden sheets not read" in n for n in document["load_notes"])
    assert document["validation"]["rows"] == len(frame)


def test_mapping_file_must_be_regular_and_shallow(tmp_path):
    from rtdelay.cohort import read_mapping
    from rtdelay.errors import CohortError

    fifo = tmp_path / "map.toml"
    os.mkfifo(fifo)
    with pytest.raises(CohortError, match="not a regular file"):
        read_mapping(fifo)  # reading a pipe would block forever
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    with pytest.raises(CohortError, match="levels deep"):
        read_mapping(deep)


def _parquet_cohort(tmp_path: Path, name: str, change) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = dates_frame().head(5).replace("", None)
    table = change(pa.Table.from_pandas(base, preserve_index=False), base)
    path = tmp_path / name
    pq.write_table(table, path)
    return path


def test_parquet_decimal_nested_and_index_columns(tmp_path):
    import decimal

    import pandas as pd
    import pyarrow as pa

    from rtdelay.cohort import load_table, validate_cohort
    from rtdelay.errors import CohortError

    def decimal_dose(table, base):
        i = table.schema.get_field_index("rt_dose_gy")
        values = pa.array([decimal.Decimal(str(x)) for x in base["rt_dose_gy"]], pa.decimal128(6, 2))
        return table.set_column(i, "rt_dose_gy", values)

    result = validate_cohort(load_table(_parquet_cohort(tmp_path, "dec.parquet", decimal_dose)))
    assert result.n_rejected == 0, [i.message for i in result.errors]
    nested = _parquet_cohort(tmp_path, "n.parquet", lambda t, b: t.append_column("tags", pa.array([[1, 2]] * 5)))
    with pytest.raises(CohortError, match="nested values"):
        load_table(nested)
    base = dates_frame().head(5).replace("", None)
    indexed = tmp_path / "i.parquet"
    base.set_index(pd.Index(base["age"].values, name="age")).to_parquet(indexed)
    with pytest.raises(CohortError, match="index is named 'age'"):
        load_table(indexed)


def test_sav_user_missing_value_is_kept_as_it_came_in_the_quarantine(tmp_path):
    import pandas as pd
    import pyreadstat

    frame = dates_frame().head(4)
    frame["age"] = frame["age"].astype(float)
    frame.loc[0, "age"] = 999.0  # SPSS user-missing code: "age not known"
    path = tmp_path / "c.sav"
    pyreadstat.write_sav(frame, str(path), missing_ranges={"age": [999.0]})
    out = tmp_path / "q.csv"
    res = runner.invoke(app, ["validate", str(path), "--quarantine", str(out)])
    assert res.exit_code == 1, res.output
    quarantine = pd.read_csv(out, dtype=str)
    assert quarantine["age"].tolist() == ["999"]
    assert "user-missing" in res.output


def test_error_lines_quoting_data_carry_no_escape_sequence(tmp_path):
    frame = _cohort().head(3)
    frame["patient_id"] = ["P\x1b]0;owned\x07\x1b[2J" + str(i) for i in range(3)]
    frame["surgery_date"] = "abc"  # every row rejected: the error line quotes the first problem
    cohort = _write_csv(tmp_path / "c.csv", frame)
    res = runner.invoke(app, ["analyze", str(cohort), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "\x1b" not in res.stderr and "\x07" not in res.stderr and "P0" in res.stderr
    assert res.stderr.count("\n") == 1
