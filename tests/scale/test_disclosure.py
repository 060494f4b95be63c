"""Disclosure control of count tables: every published count meets the rule, risk sets stay
the sums of published counts, nothing is lost silently (a withheld series is flagged)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rtdelay.scale import PRESETS, CountTable, apply_rule
from rtdelay.scale._disclosure import _round, disclose_count
from rtdelay.scale._site import _secondary

COUNTS = ["n_event_1", "n_event_2", "n_censored"]


@st.composite
def count_frames(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for site in draw(st.lists(st.sampled_from(["A", "B"]), min_size=1, max_size=2, unique=True)):
        for group in draw(st.lists(st.sampled_from(["PBR", "NPBR"]), min_size=1, max_size=2, unique=True)):
            for t in draw(st.lists(st.floats(0, 60, allow_nan=False), min_size=1, max_size=25, unique=True)):
                c = draw(st.tuples(st.integers(0, 9), st.integers(0, 3), st.integers(0, 6)))
                if sum(c):
                    rows.append({"site": site, "stratum": "", "group": group, "time": t, **dict(zip(COUNTS, c, strict=True))})
    if not rows:
        rows.append({"site": "A", "stratum": "", "group": "PBR", "time": 1.0, "n_event_1": 1, "n_event_2": 0, "n_censored": 0})
    return CountTable.from_frame(pd.DataFrame(rows)).to_frame()


@settings(max_examples=80, deadline=None)
@given(count_frames(), st.sampled_from(["default", "datashield", "opensafely", "strict"]))
def test_published_counts_meet_the_rule(frame: pd.DataFrame, preset: str) -> None:
    rule = PRESETS[preset]
    out, flags = apply_rule(frame, rule, time_unit="months")
    cells = out[COUNTS].to_numpy()
    if rule.round_to:
        assert np.all((cells == 0) | ((cells % 6 == 3) & (cells >= 9)))
    else:
        assert np.all((cells == 0) | (cells >= rule.min_cell))
    published = set(map(tuple, out[["site", "group"]].drop_duplicates().to_numpy().tolist()))
    for (site, group), part in frame.groupby(["site", "group"]):
        if (site, group) not in published:
            assert any(f.startswith(f"withheld {site}/-/{group}") for f in flags)
            continue
        pub = out[(out["site"] == site) & (out["group"] == group)]
        if not rule.round_to:  # coarsening moves counts in time, never changes their totals
            assert pub[COUNTS].sum().tolist() == part[COUNTS].sum().tolist()
        assert pub["time"].min() >= 0
    if len(out):
        CountTable.from_frame(out)  # a valid count table


def test_midpoint_six_rounding() -> None:
    # OpenSAFELY midpoint 6: ceiling(x / 6) * 6 - 3 for x > 0
    assert [_round(x, 6) for x in (0, 1, 6, 7, 8, 12, 13, 18, 19)] == [0, 3, 3, 9, 9, 9, 15, 15, 21]
    rule = PRESETS["opensafely"]
    assert disclose_count(7, rule) is None and disclose_count(8, rule) == 9 and disclose_count(0, rule) == 0


def test_complementary_suppression() -> None:
    assert _secondary({"a": None, "b": 7, "c": 12, "d": 0}) == {"a": None, "b": None, "c": 12, "d": 0}
    assert _secondary({"a": None, "b": None, "c": 12}) == {"a": None, "b": None, "c": 12}
    assert _secondary({"a": 5, "b": 7}) == {"a": 5, "b": 7}


def test_none_leaves_the_table_as_it_is() -> None:
    frame = pd.DataFrame({"site": ["A"], "stratum": [""], "group": ["PBR"], "time": [1.5],
                          "n_event_1": [1], "n_event_2": [0], "n_censored": [0]})
    out, flags = apply_rule(frame, PRESETS["none"], time_unit="months")
    assert out.equals(frame) and flags == []


def test_weekly_bins_and_merging_example() -> None:
    # 3 events in week 1, 2 in week 2, 6 censored in week 3 (months): minimum 5
    w = 7 / 30.4375
    frame = pd.DataFrame({"site": "A", "stratum": "", "group": "PBR", "time": [0.5 * w, 1.5 * w, 2.5 * w],
                          "n_event_1": [3, 2, 0], "n_event_2": 0, "n_censored": [0, 0, 6]})
    out, flags = apply_rule(frame, PRESETS["default"], time_unit="months")
    # events merged into one count of 5 at their mean bin time (3 x week 1 + 2 x week 2) / 5
    assert out["n_event_1"].tolist() == [5, 0]
    assert out["time"].iloc[0] == pytest.approx((3 * w + 2 * 2 * w) / 5, abs=1e-6)
    assert out["n_censored"].tolist() == [0, 6]
    assert any("coarsened" in f for f in flags)
