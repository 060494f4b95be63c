"""Issue 9/10 safety net: an unexpected exception in any command is one stderr line, exit code 3
and a traceback in rtdelay-error.log; Ctrl-C / SIGTERM is "rtdelay: interrupted" and exit 130;
a console that cannot show a character of the data does not crash the command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from study_cohort_dates import write_dates_cohort  # noqa: E402

import rtdelay.cli as cli  # noqa: E402

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "survival_example.csv"
CORPUS = ROOT / "tests" / "cohort" / "corpus"


class Boom(RuntimeError):
    pass


def _boom(*args, **kwargs):
    raise Boom("injected failure [/] \x1b[2J")


def _main(monkeypatch, capsys, *argv):
    monkeypatch.setattr(sys, "argv", ["rtdelay", *map(str, argv)])
    with pytest.raises(SystemExit) as info:
        cli.main()
    captured = capsys.readouterr()
    return info.value.code, captured.out, captured.err


@pytest.fixture
def own_tmp(monkeypatch, tmp_path):
    """Temporary error logs go to tmp_path; no registered output folder leaks between tests."""
    logs = tmp_path / "tmp"
    logs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(logs))
    from rtdelay.cli import _safety

    monkeypatch.setitem(_safety._state, "out", None)
    return logs


def _check_internal(code, err, log: Path) -> None:
    assert code == 3
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("rtdelay: internal error: Boom: injected failure")
    assert f"details in {log}" in lines[0]
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "Boom" in text


@pytest.mark.parametrize(
    ("target", "argv"),
    [
        (
            "rtdelay.stats.kaplan_meier",
            ["km", EXAMPLE, "--time", "os_months", "--event", "os_event"],
        ),
        (
            "rtdelay.stats.logrank_test",
            ["compare", EXAMPLE, "--time", "os_months", "--event", "os_event", "--group", "group"],
        ),
        ("rtdelay.cohort.validate_cohort", ["validate", CORPUS / "all_valid.csv"]),
        (
            "rtdelay.planning.fit_progression_model",
            ["risk", "--histology", "breast", "--wait-weeks", "4"],
        ),
    ],
    ids=["km", "compare", "validate", "risk"],
)
def test_internal_error_without_out_goes_to_a_temp_log(monkeypatch, capsys, own_tmp, target, argv):
    monkeypatch.setattr(target, _boom)
    code, out, err = _main(monkeypatch, capsys, *argv)
    logs = list(own_tmp.glob("rtdelay-error-*.log"))
    assert len(logs) == 1
    _check_internal(code, err, logs[0])
    assert "\x1b" not in err


@pytest.mark.parametrize("command", ["analyze", "demo"])
def test_internal_error_with_out_goes_to_out_log(monkeypatch, capsys, own_tmp, tmp_path, command):
    monkeypatch.setattr("rtdelay.study.run", _boom)
    out = tmp_path / "result"
    if command == "analyze":
        cohort = write_dates_cohort(tmp_path / "cohort.csv")
        argv = ["analyze", cohort, "--out", out, "--quiet"]
    else:
        argv = ["demo", "--out", out, "--quiet"]
    code, _, err = _main(monkeypatch, capsys, *argv)
    _check_internal(code, err, out / "rtdelay-error.log")
    assert (out / "UNFINISHED-RUN.txt").is_file()
    assert not (out / "report.html").exists()


def test_usage_and_input_errors_keep_exit_2(monkeypatch, capsys, own_tmp):
    code, _, err = _main(
        monkeypatch, capsys, "km", "/nonexistent.csv", "--time", "a", "--event", "b"
    )
    assert code == 2 and err.startswith("rtdelay: error:")


def _demo_available() -> bool:
    import rtdelay.demo as demo

    return demo.demo_cohort_path().is_file()


@pytest.mark.skipif(not _demo_available(), reason="demo cohort not shipped")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_run_exits_130_and_leaves_no_result(tmp_path, sig):
    out = tmp_path / "demo"
    proc = subprocess.Popen(
        [sys.executable, "-m", "rtdelay", "demo", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 120
    while not (out / "UNFINISHED-RUN.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "rtdelay: interrupted"
    assert "Traceback" not in err
    left = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert left in ([], ["UNFINISHED-RUN.txt"]), left


def test_console_that_cannot_show_the_data_does_not_crash(tmp_path):
    data = tmp_path / "groups.csv"
    data.write_text("t,e,g\n1,1,患者\n2,0,患者\n3,1,Ærø\n4,1,Ærø\n", encoding="utf-8")
    env = dict(os.environ, PYTHONIOENCODING="cp1252")
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "rtdelay",
            "km",
            str(data),
            "--time",
            "t",
            "--event",
            "e",
            "--group",
            "g",
        ],
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr.decode("cp1252", "replace")
    assert b"Traceback" not in res.stderr
    assert "Ærø".encode("cp1252") in res.stdout


def test_numpy_runtime_warnings_do_not_reach_stderr(monkeypatch, capsys, own_tmp):
    """No warning filter hides them: a three-patient cohort (separated data in the
    current-status regression: 0/0 in its reweighting before the fix) runs through the console
    entry point with warnings shown, and stderr stays empty."""
    import warnings

    import small_cohorts as sc

    cohort = sc.write(sc.subsample(3, seed=3), own_tmp / "three.csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code, _, err = _main(
            monkeypatch, capsys, "analyze", str(cohort), "--out", str(own_tmp / "out"), "--quiet"
        )
        hidden = [f for f in warnings.filters if f[0] == "ignore" and f[2] is RuntimeWarning]
    assert code == 0
    assert err == ""
    assert hidden == []  # the command line installed no filter
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []


def test_an_error_after_an_interrupt_is_the_interruption(tmp_path):
    """Ctrl-C inside a compiled module's initialisation surfaces as ``ImportError:
    initialization failed`` (pybind11; seen in CI on scipy.optimize._highspy): after a signal,
    any error ends as "rtdelay: interrupted" and 130, not as an internal error (3)."""
    code = (
        "from rtdelay.cli import _safety; _safety.install()\n"
        "try:\n"
        "    _safety._term_handler(15, None)\n"
        "except KeyboardInterrupt:\n"
        "    pass\n"
        "_safety.internal_error(ImportError('initialization failed'))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                         timeout=120)
    assert res.returncode == 130, res.stderr
    assert res.stderr.strip().splitlines()[-1] == "rtdelay: interrupted"
    assert not list(tmp_path.iterdir())  # no error log written
    plain = subprocess.run([sys.executable, "-c", "from rtdelay.cli import _safety; _safety.install(); "
                            "_safety.internal_error(ImportError('initialization failed'))"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert plain.returncode == 3 and "internal error" in plain.stderr
