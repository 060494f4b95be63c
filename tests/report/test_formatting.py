"""Formatting rules, checked against hand-written expectations (journal style)."""

import math

import pytest

from rtdelay.report import formatting as f


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0004, "<0.001"),
        (0.00099, "<0.001"),
        (0.001, "0.001"),
        (0.0404, "0.040"),
        (0.0405, "0.041"),  # half away from zero on the decimal repr
        (0.884, "0.884"),
        (0.5, "0.500"),
        (1.0000000002, "1.000"),
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_format_p(p, text):
    assert f.format_p(p) == text


def test_negative_p_is_an_error():
    with pytest.raises(ValueError, match="negative"):
        f.format_p(-0.1)


def test_percent_and_rates():
    assert f.format_percent(0.728) == "72.8%"
    assert f.format_percent(0.0125) == "1.3%"
    assert f.format_percent(0.0) == "0.0%"
    assert f.format_rate_ci(0.728, 0.612, 0.814) == "72.8% (61.2–81.4)"
    assert f.format_rate_ci(0.5, math.nan, 0.7) == "50.0%"


def test_mean_sd_median_range_n_percent():
    assert f.format_mean_sd(54.6, 11.6) == "54.6 ± 11.6"
    assert f.format_mean_sd(0.25, 0.05) == "0.3 ± 0.1"  # 0.25 -> 0.3 (half up), 0.05 -> 0.1
    assert f.format_mean_sd(3.0, None) == "3.0 ± —"
    assert f.format_median_range(1.6, 0.5, 8.9) == "1.6 (0.5–8.9)"
    assert f.format_n_percent(14, 89) == "14 (15.7%)"  # 14/89 = 0.15730
    assert f.format_n_percent(0, 0) == "0"
    assert f.format_hr_ci(2.314, (1.118, 4.751)) == "2.31 (1.12–4.75)"


def test_no_negative_zero():
    assert f.format_number(-0.04, digits=1) == "0.0"
