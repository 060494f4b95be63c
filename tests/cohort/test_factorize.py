"""The short-column factorisation of parse_column agrees with pandas.factorize (and so a
column's parsing does not depend on its length)."""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtdelay.cohort import COLUMNS
from rtdelay.cohort._normalize import _SMALL, _factorize, _factorize_small, parse_column


def _pandas(values):
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return list(codes), list(uniques)


COLUMNS_OF_VALUES = [
    [None, np.nan, pd.NaT, pd.NA, np.datetime64("NaT"), np.float32("nan"), decimal.Decimal("NaN")],
    ["a", "b", "a", None, "", " "],
    [True, 1, 1.0, 2, "1", False, 0],
    [dt.date(2020, 1, 2), dt.datetime(2020, 1, 2), pd.Timestamp("2020-01-02"), None],
    [1.5, 1.5, np.float64(1.5), -0.0, 0.0],
]


@pytest.mark.parametrize("values", COLUMNS_OF_VALUES)
def test_small_factorize_matches_pandas(values):
    codes, uniques = _factorize_small(values)
    want_codes, want_uniques = _pandas(values)
    assert list(codes) == want_codes
    assert list(uniques) == want_uniques
    assert [type(u) for u in uniques] == [type(u) for u in want_uniques]


def test_unhashable_values_are_left_to_pandas():
    assert _factorize_small([["a"], "b"]) is None
    codes, uniques = _factorize(pd.Series([["a"], "b", "b"], dtype=object))
    assert list(codes) == [0, 1, 1] and list(uniques) == ["['a']", "b"]


@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(-3, 3),
                          st.sampled_from([0.0, 1.0, 2.5, float("nan")]),
                          st.sampled_from(["1", "yes", "x", ""])), min_size=1, max_size=8))
def test_a_column_parses_the_same_short_or_long(values):
    """The same values, repeated past the short-column limit, parse to the same cells."""
    for name in ("patient_id", "age", "sins", "seed_implantation"):
        spec = COLUMNS[name]
        short = parse_column(pd.Series(values, dtype=object), spec)
        repeats = _SMALL // len(values) + 1
        long = parse_column(pd.Series(values * repeats, dtype=object), spec)
        n = len(values)
        assert list(map(str, short.values)) == list(map(str, long.values[:n]))
        assert list(short.missing) == list(long.missing[:n])
        assert [short.errors[i] if i >= 0 else None for i in short.error] == \
               [long.errors[i] if i >= 0 else None for i in long.error[:n]]
