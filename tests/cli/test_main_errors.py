"""The console command maps every failure to one stderr line and an exit code (subprocess)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLE = str(ROOT / "examples" / "survival_example.csv")
CORPUS = ROOT / "tests" / "cohort" / "corpus"


def _rtdelay(*args):
    return subprocess.run(
        [sys.executable, "-m", "rtdelay", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", EXAMPLE, "--time", "os_months", "--event", "os_event"], "Missing option '--group'"),
        (["nosuch"], "No such command 'nosuch'"),
        (["km", EXAMPLE, "--time", "os_months", "--event", "os_event", "--conf-type", "wide"], "--conf-type"),
        (["km", "/nonexistent.csv", "--time", "a", "--event", "b"], "not found"),
        (["km", EXAMPLE, "--time", "os_months", "--event", "os_event", "--at", "x"], "--at"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(args, message):
    res = _rtdelay(*args)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rtdelay: error:") and message in lines[0]
    assert "Traceback" not in res.stderr


def test_success_and_rejected_rows_keep_their_exit_codes():
    assert _rtdelay("km", EXAMPLE, "--time", "os_months", "--event", "os_event").returncode == 0
    assert _rtdelay("validate", str(CORPUS / "all_valid.csv")).returncode == 0
    assert _rtdelay("validate", str(CORPUS / "bad_category.csv")).returncode == 1
    assert _rtdelay("--help").returncode == 0
