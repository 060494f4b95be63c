"""Outputs on cohorts the study cannot fully analyse; the formatting rules added for reporting."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from rtdelay.report import write_report_outputs
from rtdelay.report.formatting import format_general, format_rate_ci


@pytest.mark.parametrize("case", ["empty", "npbr_only", "three_patients"])
def test_every_output_is_written_when_analyses_are_missing(included, tmp_path, case):
    from rtdelay.study import run

    frame = {
        "empty": included.head(0),
        "npbr_only": included[included["group"] == "NPBR"],
        "three_patients": included.head(3),
    }[case]
    results = run(frame)
    out = write_report_outputs(results, out_dir=tmp_path)
    page = out["report"].read_text(encoding="utf-8")
    assert "Analyses not possible on these data" in page  # the notes are shown
    for paths in out["figures"].values():
        ET.parse(paths["svg"])
        assert paths["png"].read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "tables" / "table1.docx").stat().st_size > 0


def test_format_rate_ci_label():
    assert format_rate_ci(0.728, 0.612, 0.814) == "72.8% (61.2–81.4)"
    assert format_rate_ci(0.728, 0.612, 0.814, ci_label="95% CI") == "72.8% (95% CI 61.2–81.4)"
    assert format_rate_ci(0.728, math.nan, 0.814, ci_label="95% CI") == "72.8%"


@pytest.mark.parametrize(
    "value, text",
    [
        (0.728, "0.728"),
        (0.7301, "0.73"),
        (89.0, "89"),
        (14, "14"),
        (True, "yes"),
        (False, "no"),
        (None, "—"),
        (math.nan, "—"),
        ([0.5, 8.9], "0.5, 8.9"),
        ({"n": 1}, "n: 1"),
        (np.float64(0.0400), "0.04"),
        (-0.0001, "0"),
        ("gastric", "gastric"),
    ],
)
def test_format_general(value, text):
    assert format_general(value) == text


def test_format_general_digits():
    assert format_general(0.7301, digits=4) == "0.7301"
    assert format_general(0.125, digits=2) == "0.13"  # half away from zero, as format_number
