"""Beyond-the-article analyses on a fixture cohort, against R (beyond.R: cmprsk, survival)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtdelay.study._beyond import competing_events, run_beyond

REF_DIR = Path(__file__).parents[1] / "reference"
REF = json.loads((REF_DIR / "beyond.json").read_text())


@pytest.fixture(scope="module")
def cohort():
    return pd.read_csv(REF_DIR / "beyond_cohort.csv")


@pytest.fixture(scope="module")
def beyond(cohort):
    return run_beyond(cohort)


def test_competing_event_coding_by_hand():
    frame = pd.DataFrame(
        {
            "lc_months": [5.0, 3.0, 4.0, 6.0],
            "lc_event": [1, 0, 0, 0],
            "os_months": [8.0, 7.0, 4.5, 9.0],
            "os_event": [1, 1, 0, 0],
        }
    )
    time, cause = competing_events(frame)
    # progression first; death after last imaging (competing, at death); censored twice at lc
    assert cause.tolist() == [1, 2, 0, 0]
    assert time.tolist() == [5.0, 7.0, 4.0, 6.0]


def test_cumulative_incidence_equals_cmprsk(beyond):
    # R: timepoints(cuminc(time, cause, group), 12)$est / $var
    cif = beyond.competing.cif_at
    assert cif["PBR"][0] == pytest.approx(REF["cif12"]["PBR"], rel=1e-6)
    assert cif["NPBR"][0] == pytest.approx(REF["cif12"]["NPBR"], rel=1e-6)
    assert cif["all"][0] == pytest.approx(REF["cif12"]["all"], rel=1e-6)
    var = beyond.competing.cif["PBR"].summary_at([12.0])["variance"].iloc[0]
    assert var == pytest.approx(REF["cif12"]["var_PBR"], rel=1e-6)


def test_gray_test_equals_cmprsk(beyond):
    # R: cuminc(time, cause, group)$Tests["1", c("stat", "pv")]
    assert beyond.competing.gray.statistic == pytest.approx(REF["gray"]["stat"], rel=1e-6)
    assert beyond.competing.gray.p_value == pytest.approx(REF["gray"]["p"], rel=1e-6)


def test_one_minus_km_is_above_cif(beyond):
    # R: 1 - summary(survfit(Surv(lc_months, lc_event) ~ 1), times = 12)$surv, by group
    for g in ("PBR", "NPBR", "all"):
        assert beyond.competing.one_minus_km_at[g] == pytest.approx(REF["one_minus_km12"][g], rel=1e-6)
        assert beyond.competing.one_minus_km_at[g] >= beyond.competing.cif_at[g][0]


def test_cox_models_equal_r(beyond):
    # R: coxph(Surv(os_months, os_event) ~ pbr + growth_class + tokuhashi + kps_pre, ties = "efron")
    os_fit = beyond.cox.os_adjusted
    assert list(os_fit.names) == ["pbr", "growth_class[rapid]", "growth_class[slow]", "tokuhashi", "kps_pre"]
    np.testing.assert_allclose(os_fit.hazard_ratio, REF["os_adjusted"]["hr"], rtol=1e-6)
    np.testing.assert_allclose(os_fit.p_value, REF["os_adjusted"]["p"], rtol=1e-6)
    ph = os_fit.ph_test().to_frame()
    assert ph.loc["GLOBAL", "p"] == pytest.approx(REF["os_adjusted"]["zph_global_p"], rel=1e-6)
    # R: coxph(Surv(lc_months, lc_event) ~ ti_months + growth_class + tokuhashi + kps_pre)
    np.testing.assert_allclose(beyond.cox.lc_wait.hazard_ratio, REF["lc_wait"]["hr"], rtol=1e-6)
    block = beyond.cox.to_dict()["os_adjusted"]
    assert "GLOBAL" in block["ph_test"]


def test_landmark_equals_r(beyond):
    # R: survdiff(Surv(os_months, os_event) ~ group) from RT start, and from surgery
    assert beyond.landmark.from_rt_p == pytest.approx(REF["landmark"]["from_rt_p"], rel=1e-6)
    assert beyond.landmark.from_surgery_p == pytest.approx(REF["landmark"]["from_surgery_p"], rel=1e-6)


def test_waiting_risk_blocks(beyond):
    w = beyond.waiting
    # R: 1 - summary(survfit(Surv(ti_months, pbr) ~ 1), times = c(1, 3, 6))$surv
    np.testing.assert_allclose(w.naive_risk, REF["naive_km_pbr"], rtol=1e-6, atol=1e-12)
    assert np.all(np.isfinite(w.npmle_risk))
    assert np.all(w.npmle_lower <= w.npmle_risk + 1e-12)
    assert np.all(w.npmle_upper >= w.npmle_risk - 1e-12)
    assert w.model is not None and w.model.n == 120
    json.dumps(beyond.to_dict())  # JSON-ready


def test_too_few_events_give_notes_not_crashes(cohort):
    small = cohort.head(6).copy()
    small["os_event"] = [1, 0, 0, 0, 0, 0]
    small["lc_event"] = 0
    res = run_beyond(small)
    assert res.cox.lc_adjusted is None
    assert any("not estimable" in n for n in res.cox.notes)
    json.dumps(res.to_dict())


def test_no_pbr_patients(cohort):
    none = cohort.assign(group="NPBR")
    res = run_beyond(none)
    assert res.waiting is None
    assert res.landmark is None
    assert res.competing.gray is None
    json.dumps(res.to_dict())


def test_no_unused_bootstrap_options_and_the_run_is_deterministic(cohort):
    """n_boot/seed were accepted and ignored (nothing in the study is random any more): removed."""
    import inspect

    from rtdelay.analysis import AnalysisOptions
    from rtdelay.study import run

    for func in (run, run_beyond):
        params = inspect.signature(func).parameters
        assert "n_boot" not in params and "seed" not in params
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for name, p in params.items() if name != "included")
    assert not {"n_boot", "seed"} & {f.name for f in __import__("dataclasses").fields(AnalysisOptions)}
    with pytest.raises(TypeError):
        run_beyond(cohort, n_boot=10)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        AnalysisOptions(seed=1)  # type: ignore[call-arg]
    first, second = run_beyond(cohort), run_beyond(cohort)
    assert json.dumps(first.to_dict(), sort_keys=True) == json.dumps(second.to_dict(), sort_keys=True)
    assert first.waiting is not None and first.waiting.n_boot == 0
