"""``rtdelay km`` / ``rtdelay compare``: numbers against R, bad input -> one stderr line, exit 2.

Expected numbers: ``out$example`` of tests/reference/km_logrank.R, i.e. R
``summary(survfit(Surv(os_months, os_event) ~ 1, data = <group subset>, conf.type = "log-log"),
times = c(6, 12, 24))``, ``print(survfit(...))`` and ``survdiff(Surv(os_months, os_event) ~ group)``
on examples/survival_example.csv. Tolerance 1e-6 relative.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from rtdelay.cli import app

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "survival_example.csv"
REF = json.loads((ROOT / "tests" / "reference" / "km_logrank.json").read_text())["example"]
RTOL = 1e-6

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def _close(a: object, b: object) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=RTOL)


def test_quick_start_command_runs() -> None:
    res = _run("km", EXAMPLE, "--time", "os_months", "--event", "os_event", "--group", "group", "--at", "6,12,24")
    assert res.exit_code == 0, res.output
    assert "log-rank" in res.output and "NPBR" in res.output and "PBR" in res.output
    assert "Median" in res.output


def test_km_json_matches_r() -> None:
    res = _run("km", EXAMPLE, "--time", "os_months", "--event", "os_event", "--group", "group", "--at", "6,12,24", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert [c["group"] for c in out["curves"]] == ["NPBR", "PBR"]
    for curve in out["curves"]:
        ref = REF[curve["group"]]
        assert curve["n"] == ref["n"] and curve["events"] == ref["events"]
        rows = [r for r in curve["rates"] if r["survival"] is not None]  # R drops times > last
        _close([r["time"] for r in rows], ref["time"])
        _close([r["n_at_risk"] for r in rows], ref["n_risk"])
        _close([r["n_events"] for r in rows], ref["n_event"])
        _close([r["survival"] for r in rows], ref["surv"])
        _close([r["std_err"] for r in rows], ref["std_err"])
        _close([r["lower"] for r in rows], ref["lower"])
        _close([r["upper"] for r in rows], ref["upper"])
        _close(curve["median"], ref["median"])
        _close(curve["median_lower"], ref["lcl"])
        assert curve["median_upper"] is None and ref["ucl"] is None  # NA in R
    _close(out["logrank"]["statistic"], REF["logrank"]["statistic"])
    _close(out["logrank"]["p_value"], REF["logrank"]["p_value"])
    _close(out["logrank"]["expected"], REF["logrank"]["expected"])


def test_compare_json_stratified_fh_matches_r() -> None:
    # survdiff(Surv(os_months, os_event) ~ group + strata(surgery_type), rho = 1)
    res = _run(
        "compare", EXAMPLE, "--time", "os_months", "--event", "os_event", "--group", "group",
        "--strata", "surgery_type", "--weighting", "fleming-harrington", "--p", "1", "--json",
    )
    assert res.exit_code == 0, res.output
    test = json.loads(res.stdout)["test"]
    ref = REF["strat_rho1"]
    _close(test["statistic"], ref["statistic"])
    _close(test["p_value"], ref["p_value"])
    _close(test["extra"]["weighted_observed"], ref["observed"])


def test_compare_three_groups_has_pairwise() -> None:
    res = _run("compare", EXAMPLE, "--time", "os_months", "--event", "os_event", "--group", "surgery_type", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["test"]["df"] == 2.0
    assert len(out["pairwise"]) == 3
    human = _run("compare", EXAMPLE, "--time", "os_months", "--event", "os_event", "--group", "surgery_type")
    assert human.exit_code == 0 and "Holm" in human.output


def test_km_without_group_and_conf_types() -> None:
    for ct in ("log-log", "log", "plain"):
        res = _run("km", EXAMPLE, "--time", "os_months", "--event", "os_event", "--conf-type", ct, "--json")
        assert res.exit_code == 0, res.output
        out = json.loads(res.stdout)
        assert out["logrank"] is None and out["conf_type"] == ct


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "data.csv"
    p.write_text(text)
    return p


BAD_CASES = [
    ("missing file", None, ["--time", "t", "--event", "e"], "file not found"),
    ("missing column", "t,e\n1,1\n2,0\n", ["--time", "months", "--event", "e"], "'months' is not in the file"),
    ("non-numeric time", "t,e\n1,1\nabc,0\n", ["--time", "t", "--event", "e"], "row 2 has 'abc'"),
    ("negative time", "t,e\n1,1\n-2,0\n", ["--time", "t", "--event", "e"], "negative at row 2"),
    ("empty time", "t,e\n1,1\n,0\n", ["--time", "t", "--event", "e"], "empty at row 2"),
    ("bad event code", "t,e\n1,1\n2,2\n", ["--time", "t", "--event", "e"], "row 2 has 2"),
    ("text event code", "t,e\n1,yes\n2,0\n", ["--time", "t", "--event", "e"], "row 1 has 'yes'"),
    ("bad conf type", "t,e\n1,1\n2,0\n", ["--time", "t", "--event", "e", "--conf-type", "logit"], "--conf-type"),
    ("bad --at", "t,e\n1,1\n2,0\n", ["--time", "t", "--event", "e", "--at", "6,x"], "--at"),
    ("negative --at", "t,e\n1,1\n2,0\n", ["--time", "t", "--event", "e", "--at", "-1"], "--at"),
    ("empty file", "", ["--time", "t", "--event", "e"], "is empty"),
    ("missing group", "t,e,g\n1,1,a\n2,0,\n", ["--time", "t", "--event", "e", "--group", "g"], "empty at row 2"),
]


@pytest.mark.parametrize(("label", "content", "args", "needle"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_km_bad_input_one_line_exit_2(tmp_path: Path, label: str, content: str | None, args: list[str], needle: str) -> None:
    path = tmp_path / "absent.csv" if content is None else _write(tmp_path, content)
    res = _run("km", path, *args)
    assert res.exit_code == 2, (label, res.output)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rtdelay: error:"), res.stderr
    assert needle in lines[0]
    assert "Traceback" not in res.output


@pytest.mark.parametrize(
    ("content", "args", "needle"),
    [
        ("t,e,g\n1,1,a\n2,0,a\n", ["--group", "g"], "at least two groups"),
        ("t,e,g\n1,1,a\n2,0,b\n", ["--group", "g", "--weighting", "gehan"], "--weighting"),
        ("t,e,g\n1,1,a\n2,0,b\n", ["--group", "g", "--p", "1"], "--p and --q"),
        ("t,e,g\n1,1,a\n2,0,b\n", ["--group", "g", "--strata", "s"], "'s' is not in the file"),
        ("t,e,g\n1,1,a\n2,0,b\n", ["--group", "h"], "'h' is not in the file"),
    ],
)
def test_compare_bad_input_one_line_exit_2(tmp_path: Path, content: str, args: list[str], needle: str) -> None:
    res = _run("compare", _write(tmp_path, content), "--time", "t", "--event", "e", *args)
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], res.stderr


def test_bad_input_through_real_entry_point(tmp_path: Path) -> None:
    # The console script path (rtdelay.cli.main), in a subprocess: stderr line and exit code.
    path = _write(tmp_path, "t,e\n1,1\n2,7\n")
    proc = subprocess.run(
        [sys.executable, "-c", "from rtdelay.cli import main; main()", "km", str(path), "--time", "t", "--event", "e"],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "row 2" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys\n"
        "import rtdelay, rtdelay.stats, rtdelay.cli\n"
        "from rtdelay.cli import main\n"
        "sys.argv = ['rtdelay', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('matplotlib', 'lifelines', 'pandas', 'scipy') if m in sys.modules)\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    heavy = proc.stderr.split("HEAVY=")[-1].strip()
    assert "matplotlib" not in heavy and "lifelines" not in heavy, heavy
    assert "km" in proc.stdout and "compare" in proc.stdout


def test_group_of_one_gives_a_note_not_a_p_value(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("t,e,g\n1,1,a\n2,0,a\n3,1,a\n4,1,b\n")
    for cmd in ("compare", "km"):
        res = _run(cmd, path, "--time", "t", "--event", "e", "--group", "g")
        assert res.exit_code == 0, res.output
        flat = " ".join(res.output.split())
        assert "not computed" in flat and "group 'b' has 1 patient" in flat
        assert "nan" not in flat.lower()
    out = json.loads(_run("compare", path, "--time", "t", "--event", "e", "--group", "g", "--json").stdout)
    assert out["test"]["p_value"] is None and "group 'b' has 1 patient" in out["test"]["note"]
