"""Scaled Schoenfeld residuals against R ``cox.zph(fit, transform = "km")`` (survival >= 3).

Reference: tests/reference/schoenfeld.R -> schoenfeld.json (each case quotes its R call):
ovarian (no ties, Efron), lung age + sex with tied times (Efron and Breslow).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtdelay.stats import cox_ph

REF = json.loads((Path(__file__).parents[1] / "reference" / "schoenfeld.json").read_text())


@pytest.mark.parametrize("case", sorted(REF))
def test_scaled_schoenfeld_residuals_match_r(case):
    ref = REF[case]
    data = pd.DataFrame(ref["data"])
    duration, event, *covariates = list(data.columns)
    ties = "breslow" if "breslow" in ref["call"] else "efron"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = cox_ph(data, duration=duration, event=event, covariates=covariates, ties=ties,
                     residuals=True)
    got = fit.schoenfeld_residuals()
    np.testing.assert_allclose(got["time"], ref["time"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["km_time"], ref["x"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(got[covariates].to_numpy(), np.asarray(ref["y"]), rtol=1e-6,
                               atol=1e-8)
    # the same fit's test statistic agrees with R's table (what the residuals illustrate)
    table = fit.ph_test().to_frame()
    np.testing.assert_allclose(table["chisq"].to_numpy(), ref["table"]["chisq"], rtol=1e-6)
