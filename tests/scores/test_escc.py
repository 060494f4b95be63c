"""Bilsky ESCC scale against DOMAIN.md section 4."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rtdelay.errors import InputError
from rtdelay.scores import ESCC_GRADES, escc, escc_grade

# grade -> (ordinal, high grade?) from DOMAIN.md: ordered 0 < 1a < 1b < 1c < 2 < 3; high = {2, 3}.
EXPECTED = {
    "0": (0, False),
    "1a": (1, False),
    "1b": (2, False),
    "1c": (3, False),
    "2": (4, True),
    "3": (5, True),
}


def test_grades_in_order() -> None:
    assert ESCC_GRADES == ("0", "1a", "1b", "1c", "2", "3")


@pytest.mark.parametrize(("grade", "expected"), list(EXPECTED.items()))
def test_each_grade(grade: str, expected: tuple[int, bool]) -> None:
    result = escc(grade)
    assert (result.ordinal, result.high_grade) == expected
    assert result.category == ("high grade" if expected[1] else "low grade")
    assert result.meaning


def test_meanings() -> None:
    assert escc("0").meaning == "bone-only disease"
    assert "CSF still visible" in escc("2").meaning
    assert "no CSF" in escc("3").meaning
    assert "controversial" in escc("1c").note


@pytest.mark.parametrize(("given", "canonical"), [(0, "0"), (2, "2"), (3, "3"), ("1A", "1a"), (" 1c ", "1c"), ("1B", "1b")])
def test_accepted_forms(given: object, canonical: str) -> None:
    assert escc_grade(given) == canonical


@pytest.mark.parametrize("bad", [1, "1", 4, "1d", "", None, True, 2.0, "high", -1])
def test_invalid(bad: object) -> None:
    with pytest.raises(InputError, match="escc grade"):
        escc(bad)


def test_to_dict_and_frame() -> None:
    result = escc("2")
    assert result.to_dict()["high_grade"] is True
    assert json.loads(json.dumps(result.to_dict()))["grade"] == "2"
    assert result.to_frame().loc[0, "grade"] == "2"


def test_import_is_light() -> None:
    # rtdelay.scores must not import pandas, rtdelay.stats or rtdelay.cohort when imported.
    code = (
        "import sys, rtdelay.scores; "
        "bad = [m for m in ('pandas', 'numpy', 'rtdelay.stats', 'rtdelay.cohort') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
