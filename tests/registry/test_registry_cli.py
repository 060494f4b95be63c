"""The registry's command line: every command, --json, one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from registry_rows import DEMO, make_rows, run_rtdelay, write_csv

ROOT = Path(__file__).parents[2]


def _subprocess(*args, stdin: str | None = None):
    return subprocess.run(
        [sys.executable, "-m", "rtdelay", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )


_rtdelay = run_rtdelay


def _ok(res):
    assert res.returncode == 0, res.stderr
    return res.stdout


def _one_line_error(res, text):
    assert res.returncode == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rtdelay: error:") and text in lines[0], lines
    assert "Traceback" not in res.stderr


def test_registry_commands_end_to_end(db_url, tmp_path):
    db = ["--db", db_url]
    assert "created" in _ok(_rtdelay("registry", "init", *db))
    assert "up to date" in _ok(_rtdelay("registry", "init", *db))
    _ok(_rtdelay("site", "add", "A", "Hospital A", *db))
    _ok(
        _rtdelay(
            "user", "add", "nina", "--role", "entry", "--site", "A", *db, stdin="a long password\n"
        )
    )
    rows = make_rows(8)
    path = write_csv(rows, tmp_path / "c.csv")
    dry = _ok(_rtdelay("registry", "import", path, "--dry-run", *db))
    assert "new: 8" in dry and "dry run" in dry
    out = json.loads(_ok(_rtdelay("registry", "import", path, "--json", "--reason", "load", *db)))
    assert out == {"new": 8, "changed": 0, "unchanged": 0, "rejected": 0, "batch": 1}
    again = json.loads(_ok(_rtdelay("registry", "import", path, "--json", *db)))
    assert again["unchanged"] == 8 and again["batch"] is None
    edited = rows.assign(age=rows["age"].astype(float) + 1)
    diff = _ok(_rtdelay("registry", "import", write_csv(edited, tmp_path / "e.csv"), *db))
    assert f"~ row 2: {rows['patient_id'][0]} (site A): age" in diff  # csv line 2
    history = _ok(_rtdelay("registry", "history", rows["patient_id"][0], *db))
    assert "update patient v2  age:" in history and "[load]" in history
    for fmt in ("csv", "sav"):
        assert "8 patients" in _ok(
            _rtdelay(
                "registry", "export", "--format", fmt, "--out", tmp_path / "ex" / "cohort", *db
            )
        )
    assert (tmp_path / "ex" / "cohort.sav").is_file()
    _ok(_rtdelay("registry", "audit-export", "--out", tmp_path / "audit.csv", *db))
    assert "export" in (tmp_path / "audit.csv").read_text()
    _one_line_error(_rtdelay("registry", "history", "NOBODY", *db), "no patient 'NOBODY'")
    _one_line_error(_rtdelay("registry", "export", "--site", "ZZ", *db), "no site 'ZZ'")
    _one_line_error(
        _rtdelay("registry", "import", write_csv(rows.assign(x=1), tmp_path / "x.csv"), *db),
        "unknown column",
    )
    _one_line_error(
        _rtdelay(
            "user", "add", "nina", "--role", "entry", "--site", "A", *db, stdin="another password\n"
        ),
        "already exists",
    )
    _one_line_error(_rtdelay("user", "add", "olaf", "--role", "boss", *db), "--role")


def test_rejected_rows_exit_1_and_go_to_quarantine(tmp_path):
    db = ["--db", f"sqlite:///{tmp_path / 'r.db'}"]
    _ok(_rtdelay("registry", "init", *db))
    _ok(_rtdelay("site", "add", "A", "Hospital A", *db))
    rows = make_rows(4)
    rows.loc[1, "surgery_date"] = (
        "soon"  # a timeline field: the row is rejected (age would cost only the value)
    )
    res = _rtdelay(
        "registry",
        "import",
        write_csv(rows, tmp_path / "c.csv"),
        "--quarantine",
        tmp_path / "q.csv",
        *db,
    )
    assert res.returncode == 1 and "rejected: 1" in res.stdout
    assert "surgery_date" in (tmp_path / "q.csv").read_text()
    # data row 2 is line 3 of the csv: the row validate names, on screen and in the download
    assert "! row 3: rejected" in res.stdout
    import pandas as pd

    assert pd.read_csv(tmp_path / "q.csv")["source_row"].tolist() == [3]
    shown = json.loads(_rtdelay("validate", tmp_path / "c.csv", "--json").stdout)
    assert {i["row"] for i in shown["issues"] if i["column"] == "surgery_date"} == {3}


def test_registry_errors_are_one_line(tmp_path):
    _one_line_error(
        _subprocess(
            "registry", "import", tmp_path / "c.csv", "--db", f"sqlite:///{tmp_path / 'none.db'}"
        ),
        "registry init",
    )
    _one_line_error(_rtdelay("registry", "init", "--db", "mysql://x@y/z"), "unsupported database")
    _one_line_error(
        _rtdelay("registry", "init", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"),
        "cannot open",
    )
    _one_line_error(
        _rtdelay(
            "registry", "restore", tmp_path / "nothing.db", "--db", f"sqlite:///{tmp_path / 'r.db'}"
        ),
        "does not exist",
    )


def test_database_url_from_the_environment(tmp_path):
    import os

    env = dict(os.environ, RTDELAY_DATABASE_URL=f"sqlite:///{tmp_path / 'env.db'}")
    res = subprocess.run(
        [sys.executable, "-m", "rtdelay", "registry", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0 and (tmp_path / "env.db").is_file()
    res = subprocess.run(
        [sys.executable, "-m", "rtdelay", "registry", "init"],
        cwd=tmp_path,
        env={k: v for k, v in env.items() if k != "RTDELAY_DATABASE_URL"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0 and (tmp_path / "rtdelay.db").is_file()


@pytest.mark.slow
def test_analyze_registry_runs_the_study(tmp_path):
    db = f"sqlite:///{tmp_path / 'r.db'}"
    _ok(_rtdelay("registry", "init", "--db", db))
    _ok(_rtdelay("site", "add", "A", "Demo", "--db", db))
    _ok(
        _rtdelay(
            "registry",
            "import",
            DEMO / "cohort.csv",
            "--complications",
            DEMO / "complications.csv",
            "--db",
            db,
        )
    )
    out = tmp_path / "run"
    _ok(_rtdelay("analyze", "--registry", db, "--site", "A", "--out", out, "--quiet"))
    direct = tmp_path / "direct"
    _ok(
        _rtdelay(
            "analyze",
            DEMO / "cohort.csv",
            "--complications",
            DEMO / "complications.csv",
            "--out",
            direct,
            "--quiet",
        )
    )
    a = json.loads((out / "results.json").read_text())
    b = json.loads((direct / "results.json").read_text())
    for key in ("pbr_cumulative_risk", "lc_1y", "os_1y", "lc_logrank_p", "os_logrank_p"):
        assert a[key] == b[key], key
    _one_line_error(
        _rtdelay("analyze", "--registry", db, "--site", "B", "--out", out), "no site 'B'"
    )
    _one_line_error(_rtdelay("analyze", "--site", "A"), "--registry")


def test_a_field_level_value_is_refused_by_the_registry_not_stored_blank(tmp_path):
    """age "old" costs only the value in an analysis, but the registry stores what it is given."""
    db = ["--db", f"sqlite:///{tmp_path / 'r.db'}"]
    _ok(_rtdelay("registry", "init", *db))
    _ok(_rtdelay("site", "add", "A", "Hospital A", *db))
    rows = make_rows(3)
    rows.loc[1, "age"] = "old"
    res = _rtdelay(
        "registry",
        "import",
        write_csv(rows, tmp_path / "c.csv"),
        "--quarantine",
        tmp_path / "q.csv",
        *db,
    )
    assert res.returncode == 1 and "rejected: 1" in res.stdout and '"old"' in res.stdout
    assert "age" in (tmp_path / "q.csv").read_text()
