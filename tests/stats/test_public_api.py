"""Pins the public names, signatures and result attributes of ``rtdelay.stats`` (issue 2, §2).

Other code and external checks call these names; a rename or a positional/keyword change must
fail here first.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

import rtdelay.stats as st

P = inspect.Parameter
POS = P.POSITIONAL_OR_KEYWORD
KW = P.KEYWORD_ONLY
E = P.empty

# name -> [(parameter, kind, default)] for the parameters the issue names (extra keyword-only
# options with defaults are allowed after them).
SIGNATURES: dict[str, list[tuple[str, Any, Any]]] = {
    "kaplan_meier": [
        ("time", POS, E),
        ("event", POS, E),
        ("conf_type", KW, "log-log"),
        ("conf_level", KW, 0.95),
        # issue 11: left truncation, R's timefix, one curve per group, level order
        ("entry", KW, None),
        ("timefix", KW, True),
        ("group", KW, None),
        ("levels", KW, None),
        ("data", KW, None),
        ("nan_policy", KW, "raise"),
    ],
    "logrank_test": [
        ("time", POS, E),
        ("event", POS, E),
        ("group", POS, E),
        ("strata", KW, None),
        ("weighting", KW, "logrank"),
        ("p", KW, 0.0),
        ("q", KW, 0.0),
        ("levels", KW, None),
        ("timefix", KW, True),
        ("data", KW, None),
        ("nan_policy", KW, "raise"),
    ],
    "logrank_trend_test": [
        ("time", POS, E),
        ("event", POS, E),
        ("group", POS, E),
        ("scores", KW, None),
        ("levels", KW, None),
        ("timefix", KW, True),
        ("data", KW, None),
        ("nan_policy", KW, "raise"),
    ],
    "pairwise_logrank": [
        ("time", POS, E),
        ("event", POS, E),
        ("group", POS, E),
        ("adjust", KW, "holm"),
        ("levels", KW, None),
        ("timefix", KW, True),
        ("data", KW, None),
        ("nan_policy", KW, "raise"),
    ],
    "cumulative_incidence": [
        ("time", POS, E),
        ("cause", POS, E),
        ("cause_of_interest", KW, 1),
        ("conf_level", KW, 0.95),
        ("group", KW, None),
        ("levels", KW, None),
        ("data", KW, None),
        ("nan_policy", KW, "raise"),
    ],
    "gray_test": [
        ("time", POS, E),
        ("cause", POS, E),
        ("group", POS, E),
        ("cause_of_interest", KW, 1),
        ("strata", KW, None),
        ("levels", KW, None),
        ("data", KW, None),
        ("nan_policy", KW, "raise"),
    ],
    "current_status_npmle": [
        ("inspection_time", POS, E),
        ("progressed", POS, E),
        ("data", KW, None),
        ("nan_policy", KW, "raise"),
    ],
    "current_status_ci": [
        ("inspection_time", POS, E),
        ("progressed", POS, E),
        ("n_boot", KW, 2000),
        ("seed", KW, 0),
    ],
    "cox_ph": [
        ("frame", POS, E),
        ("duration", KW, E),
        ("event", KW, E),
        ("covariates", KW, E),
        ("ties", KW, "efron"),
        ("strata", KW, None),
        ("entry", KW, None),
        ("timefix", KW, True),
        ("levels", KW, None),
    ],
    "mann_whitney": [("x", POS, E), ("y", POS, E), ("method", KW, "asymptotic")],
    "wilcoxon_signed_rank": [("before", POS, E), ("after", POS, E), ("method", KW, "asymptotic")],
    "chi_square": [("table", POS, E)],
    "fisher_exact": [("table", POS, E)],
}

RETURNS = {
    "kaplan_meier": "SurvivalCurve | dict[Any, SurvivalCurve]",
    "pairwise_logrank": "PairwiseLogrank",
    "logrank_test": "TestResult",
    "logrank_trend_test": "TestResult",
    "cumulative_incidence": "CumulativeIncidence | dict[Any, CumulativeIncidence]",
    "gray_test": "TestResult",
    "current_status_npmle": "StepFunction",
    "cox_ph": "CoxResult",
    "mann_whitney": "TestResult",
    "wilcoxon_signed_rank": "TestResult",
    "chi_square": "TestResult",
    "fisher_exact": "TestResult",
}

# class -> (fields the issue names, methods the issue names)
RESULTS: dict[str, tuple[list[str], list[str]]] = {
    "SurvivalCurve": (
        ["time", "survival", "std_err", "lower", "upper", "n_at_risk", "n_events", "n_censored"],
        ["at", "summary_at", "median", "median_ci", "to_frame", "to_dict"],
    ),
    "TestResult": (
        ["statistic", "df", "p_value", "observed", "expected", "method"],
        ["to_frame", "to_dict"],
    ),
    "CumulativeIncidence": (
        ["time", "estimate", "variance", "lower", "upper"],
        ["at", "summary_at", "to_frame", "to_dict"],
    ),
    "StepFunction": (["time", "cdf"], ["at", "to_frame", "to_dict"]),
    "CurrentStatusBand": (["time", "cdf", "lower", "upper"], ["to_frame", "to_dict"]),
    "CoxResult": (
        [
            "names",
            "coef",
            "se",
            "hazard_ratio",
            "ci_lower",
            "ci_upper",
            "p_value",
            "concordance",
            "log_likelihood",
            "notes",
        ],
        ["ph_test", "to_frame", "to_dict"],
    ),
    "PairwiseLogrank": (["group1", "group2", "statistic", "p_value", "p_adjusted", "adjust"], ["to_frame", "to_dict"]),
}


def test_all_names_exported() -> None:
    expected = set(SIGNATURES) | set(RESULTS)
    assert expected <= set(st.__all__)
    for name in st.__all__:
        assert getattr(st, name) is not None


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_signature(name: str) -> None:
    params = list(inspect.signature(getattr(st, name)).parameters.values())
    pinned = SIGNATURES[name]
    positional = [p.name for p in params if p.kind in (P.POSITIONAL_ONLY, POS)]
    assert positional == [n for n, kind, _ in pinned if kind is POS], name
    by_name = {p.name: p for p in params}
    for pname, kind, default in pinned:
        assert pname in by_name, (name, pname)
        assert by_name[pname].kind is kind, (name, pname)
        assert by_name[pname].default == default, (name, pname)
    # anything beyond the pinned names is an optional keyword-only option
    for p in params:
        if p.name not in {n for n, _, _ in pinned}:
            assert p.kind is KW and p.default is not E, (name, p.name)


@pytest.mark.parametrize("name", sorted(RETURNS))
def test_return_annotation(name: str) -> None:
    assert inspect.signature(getattr(st, name)).return_annotation == RETURNS[name]


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_result_classes_are_frozen_dataclasses_with_named_attributes(name: str) -> None:
    cls = getattr(st, name)
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    fields = {f.name for f in dataclasses.fields(cls)}
    attrs, methods = RESULTS[name]
    assert set(attrs) <= fields, set(attrs) - fields
    for m in methods:
        assert callable(getattr(cls, m)), (name, m)


# ---- every result: to_dict() is JSON, to_frame() is a DataFrame; table columns as the issue says

T = [1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0]
E1 = [1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1]
C = [1, 0, 2, 1, 0, 1, 2, 0, 1, 2, 0, 1]
G = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]
X = [0.3, 1.2, -0.5, 0.8, 0.1, -1.0, 2.0, 0.4, -0.2, 1.5, 0.7, -0.8]


def _results() -> dict[str, Any]:
    frame = pd.DataFrame({"t": T, "e": E1, "x": X})
    return {
        "km": st.kaplan_meier(T, E1),
        "logrank": st.logrank_test(T, E1, G),
        "trend": st.logrank_trend_test(T, E1, G),
        "cif": st.cumulative_incidence(T, C),
        "gray": st.gray_test(T, C, [g % 2 for g in G]),
        "npmle": st.current_status_npmle(T, E1),
        "band": st.current_status_ci(T, E1, n_boot=50),
        "cox": st.cox_ph(frame, duration="t", event="e", covariates=["x"]),
        "mw": st.mann_whitney(X[:6], X[6:]),
        "mw_exact": st.mann_whitney(X[:6], X[6:], method="exact"),
        "sr": st.wilcoxon_signed_rank(X[:6], X[6:]),
        "sr_exact": st.wilcoxon_signed_rank(X[:6], X[6:], method="exact"),
        "chi2": st.chi_square([[10, 5], [3, 12]]),
        "fisher": st.fisher_exact([[10, 5], [3, 12]]),
    }


@pytest.mark.filterwarnings("ignore::rtdelay.errors.StatisticalWarning")
def test_to_dict_is_json_and_to_frame_is_a_frame() -> None:
    for key, res in _results().items():
        text = json.dumps(res.to_dict(), allow_nan=False)
        assert isinstance(json.loads(text), dict), key
        assert isinstance(res.to_frame(), pd.DataFrame), key
        assert len(res.to_frame()) > 0, key


def test_summary_tables_have_the_issue_columns() -> None:
    km = st.kaplan_meier(T, E1).summary_at([2, 5, 50])
    assert list(km.columns) == [
        "time",
        "n_at_risk",
        "n_events",
        "survival",
        "std_err",
        "lower",
        "upper",
    ]
    assert np.isnan(km["survival"].iloc[-1])  # beyond the last time: NaN, not carried forward
    cif = st.cumulative_incidence(T, C).summary_at([2, 5])
    assert list(cif.columns) == ["time", "estimate", "variance", "lower", "upper"]
    f = st.current_status_npmle(T, E1)
    assert f.at([0.5, 12.0]).shape == (2,)


@pytest.mark.filterwarnings("ignore::rtdelay.errors.StatisticalWarning")
def test_ph_test_columns_and_global_row() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"t": T, "e": E1, "x": X, "z": rng.normal(size=len(T))})
    result = st.cox_ph(frame, duration="t", event="e", covariates=["x", "z"]).ph_test()
    assert isinstance(result, st.PHTest) and result.covariates == ("x", "z", "GLOBAL")
    zph = result.to_frame()
    assert list(zph.columns) == ["chisq", "df", "p"]
    assert list(zph.index) == ["x", "z", "GLOBAL"]
    assert list(result.to_dict()) == ["x", "z", "GLOBAL"] and "GLOBAL" in repr(result)
    assert hash(result) and result == result


def test_pairwise_adjust_options_and_frame() -> None:
    for adjust in ("holm", "bonferroni", "BH", "none"):
        out = st.pairwise_logrank(T, E1, G, adjust=adjust)
        assert isinstance(out, st.PairwiseLogrank) and len(out) == 3
        frame = out.to_frame()
        assert isinstance(frame, pd.DataFrame)
        assert list(frame.columns) == ["group1", "group2", "statistic", "p_value", "p_adjusted"]
    with pytest.raises(ValueError):
        st.pairwise_logrank(T, E1, G, adjust="fdr-typo")


# ---- issue 11: one calling convention, one missing-data policy, readable and hashable results

DATA = pd.DataFrame(
    {
        "t": [1.0, 2.0, np.nan, 4.0, 5.0, 6.0, 7.0, 8.0],
        "e": [1, 0, 1, 1, np.nan, 1, 0, 1],
        "g": pd.Categorical(["b", "a", "b", "a", "b", None, "a", "b"], categories=["b", "a"]),
        "c": [1, 2, 0, 1, 1, 2, 0, 1],
    }
)


def test_data_columns_and_nan_policy_omit_count_rows() -> None:
    km = st.kaplan_meier("t", "e", data=DATA, nan_policy="omit")
    assert km.n_omitted == 2 and km.n == 6
    curves = st.kaplan_meier("t", "e", group="g", data=DATA, nan_policy="omit")
    assert list(curves) == ["b", "a"]  # Categorical order, not sorted
    lr = st.logrank_test("t", "e", "g", data=DATA, nan_policy="omit")
    assert lr.groups == ("b", "a") and lr.extra["n_omitted"] == 3
    assert st.pairwise_logrank("t", "e", "g", data=DATA, nan_policy="omit").n_omitted == 3
    assert st.cumulative_incidence("t", "c", data=DATA, nan_policy="omit").n_omitted == 1
    assert st.gray_test("t", "c", "g", data=DATA, nan_policy="omit").extra["n_omitted"] == 2
    assert st.current_status_npmle("t", "e", data=DATA, nan_policy="omit").n_omitted == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda: st.kaplan_meier("t", "e", data=DATA),
        lambda: st.logrank_test("t", "e", "g", data=DATA),
        lambda: st.cumulative_incidence("t", "c", data=DATA),
        lambda: st.current_status_npmle("t", "e", data=DATA),
    ],
)
def test_nan_policy_raise_is_the_default_and_says_missing(call: Any) -> None:
    from rtdelay.errors import InputError

    with pytest.raises(InputError, match="is missing at index 2"):
        call()


def test_input_errors_are_input_errors_with_plain_numbers() -> None:
    from rtdelay.errors import InputError

    with pytest.raises(InputError, match=r"negative at index 1 \(-2.5\)$"):
        st.kaplan_meier([1.0, -2.5], [1, 1])
    with pytest.raises(InputError, match="column 'zz'"):
        st.kaplan_meier("t", "zz", data=DATA)
    with pytest.raises(InputError, match="nan_policy"):
        st.kaplan_meier([1, 2], [1, 1], nan_policy="drop")


@pytest.mark.filterwarnings("ignore::rtdelay.errors.StatisticalWarning")
def test_results_repr_is_short_and_results_hash_and_compare() -> None:
    for key, res in _results().items():
        text = repr(res)
        assert text.count("\n") <= 1 and len(text) < 300, key
        assert res == res and hash(res) == hash(res), key
        assert isinstance(res.summary(), pd.DataFrame), key
        for field in dataclasses.fields(res):
            value = getattr(res, field.name)
            if isinstance(value, np.ndarray):
                assert not value.flags.writeable, (key, field.name)


def test_at_extend() -> None:
    km = st.kaplan_meier(T, E1)
    assert np.isnan(km.at([50])[0]) and km.at([50], extend=True)[0] == km.survival[-1]
    cif = st.cumulative_incidence(T, C)
    assert np.isnan(cif.at([50])[0]) and cif.at([50], extend=True)[0] == cif.estimate[-1]
