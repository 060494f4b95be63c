"""``rtdelay score ...`` command line: output, JSON, and clean errors (exit code 2)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rtdelay.cli import app

runner = CliRunner()

SINS_ARGS = [
    "score", "sins", "--location", "T12", "--pain", "mechanical", "--lesion", "lytic",
    "--alignment", "normal", "--collapse", "under50", "--posterolateral", "unilateral",
]  # fmt: skip
TOKU_ARGS = [
    "score", "tokuhashi", "--kps", "60", "--extraspinal", "1", "--vertebral", "2",
    "--organ", "none", "--primary", "breast", "--palsy", "E",
]  # fmt: skip


def test_sins_table() -> None:
    result = runner.invoke(app, SINS_ARGS)
    assert result.exit_code == 0, result.output
    for text in ("junctional (T12)", "mechanical", "under50", "Total 11: potentially unstable"):
        assert text in result.stdout


def test_sins_json() -> None:
    result = runner.invoke(app, [*SINS_ARGS, "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    # 3 + 3 + 2 + 0 + 2 + 1 (DOMAIN.md section 1)
    assert data["total"] == 11
    assert data["category"] == "potentially unstable"
    assert data["points"] == {
        "location": 3, "pain": 3, "lesion": 2, "alignment": 0, "collapse": 2, "posterolateral": 1,
    }  # fmt: skip


def test_tomita_json_histology_and_points() -> None:
    args = ["score", "tomita", "--growth", "renal", "--visceral", "treatable", "--bone", "2", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["total"], data["category"]) == (6, "short-term palliation")  # 2 + 2 + 2


def test_tomita_table() -> None:
    args = ["score", "tomita", "--growth", "slow", "--visceral", "none", "--bone", "solitary"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert "Total 2: long-term local control" in result.stdout


def test_tokuhashi() -> None:
    result = runner.invoke(app, TOKU_ARGS)
    assert result.exit_code == 0
    assert "Total 12: >= 1 year" in result.stdout
    data = json.loads(runner.invoke(app, [*TOKU_ARGS, "--json"]).stdout)
    assert data["points"]["kps"] == 1 and data["total"] == 12


def test_escc() -> None:
    result = runner.invoke(app, ["score", "escc", "1c"])
    assert result.exit_code == 0
    assert "controversial" in result.stdout
    data = json.loads(runner.invoke(app, ["score", "escc", "3", "--json"]).stdout)
    assert data["high_grade"] is True and data["category"] == "high grade"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ([*SINS_ARGS[:5], "sharp", *SINS_ARGS[6:]], "pain must be one of mechanical, occasional, none"),
        ([*SINS_ARGS[:5], "2", *SINS_ARGS[6:]], "(or points 3, 1, 0); got '2'"),
        ([*SINS_ARGS[:3], "T13", *SINS_ARGS[4:]], "location must be one of junctional"),
        (["score", "tomita", "--growth", "3", "--visceral", "none", "--bone", "1"], "points 1, 2, 4"),
        ([*TOKU_ARGS[:3], "0", *TOKU_ARGS[4:]], "dead"),
        ([*TOKU_ARGS[:7], "0", *TOKU_ARGS[8:]], "at least 1 involved vertebra"),
        ([*TOKU_ARGS[:13], "G"], "palsy must be one of A, B, C, D, E"),
        (["score", "escc", "1"], "ambiguous"),
        (["score", "escc", "4"], "escc grade must be one of 0, 1a, 1b, 1c, 2, 3"),
    ],
)
def test_invalid_values_exit_2_one_line(args: list[str], fragment: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("rtdelay: error: ")
    assert "Traceback" not in result.output
    assert result.stdout == ""
