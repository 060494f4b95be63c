"""The survival summary table and sentences (medians, HR beside log-rank p, rates, follow-up)."""

from __future__ import annotations

import math

from rtdelay.report._survival_table import (
    endpoint_sentence,
    followup_sentence,
    format_median_survival,
    survival_summary_table,
)
from rtdelay.report.formatting import format_hr_ci, format_p, format_rate_ci
from rtdelay.study import MedianSurvival


def test_median_reached_and_not_reached():
    assert format_median_survival(MedianSurvival(14.23, 9.1, math.nan, 40.0)) == "14.2 (9.1–NR)"
    assert format_median_survival(MedianSurvival(math.nan, math.nan, math.nan, 63.28)) == "not reached (follow-up to 63.3)"


def test_table_rows_carry_the_results(results):
    t = survival_summary_table(results)
    assert t.header[4:7] == ("6 months, % (95% CI)", "12 months, % (95% CI)", "24 months, % (95% CI)")
    ep = results.overall_survival
    rows = [r.cells for r in t.rows]
    start = rows.index(next(c for c in rows if c[0] == "Overall survival"))
    pbr = rows[start + 2]
    assert pbr[0] == "PBR" and pbr[1] == str(ep.n["PBR"]) and pbr[2] == str(ep.n_events["PBR"])
    assert pbr[3] == format_median_survival(ep.median_ci["PBR"])
    r12 = ep.rates_at["PBR"][1]
    assert pbr[5] == format_rate_ci(r12.value, r12.lower, r12.upper)
    hr = ep.hazard_ratio
    assert pbr[-1] == f"{format_hr_ci(hr.hazard_ratio, (hr.lower, hr.upper))}; log-rank {format_p(ep.logrank.p_value)}"
    assert rows[start + 3][-1] == "1 (reference)"
    assert any("reverse Kaplan-Meier" in n and "IQR" in n for n in t.footnotes)


def test_sentences(results):
    text = endpoint_sentence("overall survival", results.overall_survival)
    assert "Median overall survival (months, 95% CI)" in text
    assert "Unadjusted hazard ratio of PBR vs NPBR" in text and "log-rank P" in text
    assert "at 6 months" in text and "at 24 months" in text
    fu = followup_sentence(results)
    assert fu.startswith("Median follow-up (reverse Kaplan-Meier)") and "IQR" in fu


def test_times_flow_into_both_survival_tables(included):
    from rtdelay.report.tables import all_tables
    from rtdelay.study import run

    res = run(included, beyond=False, times=(3, 18))
    tables = {t.name: t for t in all_tables(res)}
    assert "18 months, % (95% CI)" in tables["survival_summary"].header
    months = {r.cells[1] for r in tables["survival_rates"].rows if r.cells[1]}
    assert {"3", "18"} <= months and "24" not in months
