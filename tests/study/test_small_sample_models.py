"""Models on small samples, as a statistician would fit them (issue 9): the events-per-
coefficient rule, Firth's method under separation, no hazard ratio outside 0.001-1000 as a
finding, tests with a group of one or no events as notes, intervals never collapsed.

Cohorts are edits of the beyond-the-article fixture (tests/reference/beyond_cohort.csv).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtdelay.report._beyond_tables import beyond_paragraphs, beyond_tables
from rtdelay.report._methods import _beyond_methods
from rtdelay.study import run
from rtdelay.study._beyond import HR_ESTIMABLE_RANGE, run_beyond

COHORT = pd.read_csv(Path(__file__).parents[1] / "reference" / "beyond_cohort.csv")


def _all_cox_numbers_are_findings(beyond) -> None:  # type: ignore[no-untyped-def]
    lo, hi = HR_ESTIMABLE_RANGE
    for name in ("os_adjusted", "lc_adjusted", "os_wait", "lc_wait"):
        fit = getattr(beyond.cox, name)
        if fit is None:
            continue
        for values in (fit.hazard_ratio, fit.ci_lower, fit.ci_upper):
            assert np.all(np.isfinite(values)) and np.all((values >= lo) & (values <= hi))


def test_too_few_events_per_coefficient_is_not_estimable_with_the_rule_named():
    # 15 patients, 8 deaths and 4 local progressions for 4-5 coefficients (the case of
    # a Cox model with 2 events and 4 coefficients reported as fitted with HR 5.7e8)
    small = COHORT.head(15)
    beyond = run_beyond(small)
    assert beyond.cox.os_adjusted is None and beyond.cox.lc_wait is None
    notes = " ".join(beyond.cox.notes)
    assert "OS model (PBR adjusted) not estimable: 8 events for 4 coefficient(s): fewer than 5 events" in notes
    assert "Vittinghoff & McCulloch 2007" in notes
    assert beyond.cox.to_dict()["min_events_per_coef"] == 5.0
    # the option: a stricter rule refuses the full cohort's LC models (25 events, 5 coefficients)
    strict = run_beyond(COHORT, min_events_per_coef=10)
    assert strict.cox.lc_adjusted is None and strict.cox.os_adjusted is not None
    assert "fewer than 10 events per coefficient" in " ".join(strict.cox.notes)
    assert "at least 10 events per estimated coefficient" in _beyond_methods(strict)


@pytest.fixture(scope="module")
def separated():
    """Eight PBR patients, none of whom died: the PBR coefficient of the OS model runs off to
    minus infinity (monotone likelihood)."""
    frame = COHORT.copy()
    pbr = frame.index[frame["group"] == "PBR"]
    frame.loc[pbr, "os_event"] = 0
    frame = frame.loc[list(frame.index[frame["group"] == "NPBR"]) + list(pbr[:8])]
    return run_beyond(frame)


def test_monotone_likelihood_is_fitted_by_firth_and_said_so(separated):
    fit = separated.cox.os_adjusted
    assert fit is not None and fit.monotone
    assert fit.method == "Firth penalised partial likelihood"
    assert fit.ci_method == "profile penalised likelihood"
    assert separated.cox.firth == ("os_adjusted",)
    assert 0.001 < fit.ci_lower[0] < fit.hazard_ratio[0] < fit.ci_upper[0] < 1000
    _all_cox_numbers_are_findings(separated)
    # results: the note and the table footnote; methods: the method and its reference
    assert any("monotone" in n and "Firth" in n for n in separated.cox.notes)
    table = next(t for t in beyond_tables(separated) if t.name == "beyond_cox")
    assert any("Firth's penalised partial likelihood" in f for f in table.footnotes)
    methods = _beyond_methods(separated)
    assert "Firth's penalised partial likelihood" in methods and "Heinze & Schemper 2001" in methods
    block = separated.cox.to_dict()["os_adjusted"]
    assert block["method"] == "Firth penalised partial likelihood"
    json.dumps(separated.to_dict(), allow_nan=False)


def test_separation_beyond_the_range_is_not_estimable():
    # no slow-growing primary died: even Firth's estimate has a limit below 0.001
    frame = COHORT.copy()
    frame.loc[frame["growth_class"] == "slow", "os_event"] = 0
    beyond = run_beyond(frame)
    assert beyond.cox.os_adjusted is None
    note = next(n for n in beyond.cox.notes if n.startswith("OS model (PBR adjusted) not estimable"))
    assert "growth_class[slow]" in note and "outside 0.001 to 1000" in note
    _all_cox_numbers_are_findings(beyond)


def test_log_rank_with_a_group_of_one_is_a_note_not_a_p_value():
    one_pbr = pd.concat([COHORT[COHORT["group"] == "NPBR"], COHORT[COHORT["group"] == "PBR"].head(1)])
    results = run(one_pbr.assign(followup_months=one_pbr["os_months"]), beyond=True)
    assert results.overall_survival.logrank is None
    assert any("log-rank test: not computed (group 'PBR' has 1 patient" in n for n in results.notes)
    assert results.beyond.competing.gray is None
    assert any("Gray's test not computed: group 'PBR' has 1 patient" in n for n in results.beyond.competing.notes)
    landmark = results.beyond.landmark
    assert landmark.from_rt_p is None and landmark.from_surgery_p is None
    text = " ".join(beyond_paragraphs(results.beyond))
    assert "nan" not in text.lower()
    assert "landmark log-rank test from RT start not computed" in text


def test_collapsed_current_status_interval_is_not_shown_as_an_interval():
    from rtdelay.report._beyond_tables import _waiting_table

    waiting = run_beyond(COHORT).waiting
    assert waiting is not None and waiting.n_boot == 0
    assert np.all(waiting.npmle_upper > waiting.npmle_lower)  # likelihood-ratio intervals
    collapsed = waiting.__class__(**{**waiting.__dict__, "npmle_lower": np.zeros(3), "npmle_upper": np.zeros(3)})
    rows = [r.cells[2] for r in _waiting_table(collapsed).rows]
    assert all("–" not in cell for cell in rows), rows
    note = " ".join(_waiting_table(waiting).footnotes)
    assert "likelihood-ratio 95% intervals (Banerjee & Wellner 2001)" in note
    assert math.isfinite(float(waiting.npmle_lower[0]))
