"""Issue 11 audit items against R (tests/reference/audit_issue11.R -> audit_issue11.json).

Each expected number comes from the R call quoted beside it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

import rtdelay.stats as st

REF = json.loads((Path(__file__).parents[1] / "reference" / "audit_issue11.json").read_text())


# ---- Fleming-Harrington with strata / without events in a stratum -------------------------


def test_fh_retinopathy_strata() -> None:
    # survdiff(Surv(futime, status) ~ trt + strata(id), data = retinopathy, rho = 1)
    r = REF["fh_retinopathy"]
    d = r["data"]
    res = st.logrank_test(
        d["time"], d["event"], d["group"], strata=d["strata"], weighting="fleming-harrington", p=1
    )
    assert res.statistic == pytest.approx(r["chisq"], rel=1e-10)
    np.testing.assert_allclose(res.extra["weighted_observed"], r["obs"], rtol=1e-10)
    np.testing.assert_allclose(res.extra["weighted_expected"], r["exp"], rtol=1e-10)


def test_fh_minimal_and_stratum_without_events() -> None:
    # survdiff(Surv(c(1,2,3,4), c(1,1,0,0)) ~ c("a","b","a","b") + strata(c(1,1,2,2)), rho = 1)
    res = st.logrank_test(
        [1, 2, 3, 4], [1, 1, 0, 0], list("abab"), strata=[1, 1, 2, 2], weighting="fleming-harrington", p=1
    )
    assert res.statistic == pytest.approx(REF["fh_minimal"]["chisq"], rel=1e-12)
    # survdiff(Surv(tt, ee) ~ gg + strata(ss), rho = 1): stratum 2 has no event
    r = REF["fh_noevent_stratum"]
    d = r["data"]
    kw = {"strata": d["strata"], "weighting": "fleming-harrington", "p": 1}
    res = st.logrank_test(d["time"], d["event"], d["group"], **kw)
    assert res.statistic == pytest.approx(r["chisq"], rel=1e-12)
    trend = st.logrank_trend_test(d["time"], d["event"], d["group"], **kw)
    assert np.isfinite(trend.statistic)
    pw = st.pairwise_logrank(d["time"], d["event"], d["group"], **kw)
    assert len(pw.to_frame()) == 1
    # no event at all: undefined test, no crash
    none = st.logrank_test([1, 2, 3, 4], [0, 0, 0, 0], [1, 2, 1, 2], weighting="fleming-harrington", p=1)
    assert none.df == 0 and np.isnan(none.p_value)


# ---- Fisher's exact test, 2 x c --------------------------------------------------------------


@pytest.mark.parametrize("name", ["t5", "t10", "t6"])
def test_fisher_2xc_reach(name: str) -> None:
    # fisher.test(t, workspace = 2e8); t6 (6 x 2, n = 4,060) takes R about 24 s
    r = REF["fisher"][name]
    res = st.fisher_exact(r["table"])
    assert res.p_value == pytest.approx(r["p"], rel=1e-6)


def test_fisher_2xc_out_of_reach_is_refused_quickly() -> None:
    # 10 x 2 with n = 7,880: R's FEXACT does not finish within 5 minutes with workspace = 2e8
    table = np.array(REF["fisher"]["t10"]["table"]) * 10
    start = time.perf_counter()
    with pytest.raises(ValueError, match="too large"):
        st.fisher_exact(table)
    assert time.perf_counter() - start < 15.0  # about 1 s unloaded; generous for shared CI


# ---- pairwise log-rank with Benjamini-Hochberg -----------------------------------------------


def test_pairwise_bh_pbc_stage() -> None:
    # survdiff(Surv(time, status == 2) ~ stage, data = pbc, subset = stage %in% c(a, b));
    # p.adjust(p, "BH")
    r = REF["pairwise_bh"]
    d = r["data"]
    res = st.pairwise_logrank(d["time"], d["event"], d["stage"], adjust="BH")
    assert list(res.group1) == r["group1"] and list(res.group2) == r["group2"]
    np.testing.assert_allclose(res.statistic, r["chisq"], rtol=1e-10)
    np.testing.assert_allclose(res.p_adjusted, r["p_bh"], rtol=1e-9)
    assert not res.p_adjusted.flags.writeable
    assert res == res and hash(res) is not None
