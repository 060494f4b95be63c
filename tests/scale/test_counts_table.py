"""CountTable: checks, envelope round trip, array form."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import rtdelay
from rtdelay.errors import InputError
from rtdelay.scale import SCHEMA_HASH, CountTable, count_frame
from rtdelay.stats import count_records


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "site": ["B", "A", "A", "A"], "stratum": ["", "", "", ""], "group": ["x", "y", "x", "x"],
        "time": [1.0, 2.0, 3.0, 3.0], "n_event_1": [1, 0, 2, 1], "n_event_2": [0, 1, 0, 0], "n_censored": [0, 0, 1, 0],
    })


def test_from_frame_sums_cells_sorts_and_round_trips_through_json() -> None:
    tab = CountTable.from_frame(_frame(), flags=["f"])
    out = tab.to_frame()
    assert out[["site", "group", "time"]].values.tolist() == [["A", "x", 3.0], ["A", "y", 2.0], ["B", "x", 1.0]]
    assert out["n_event_1"].tolist() == [3, 0, 1]
    assert out["n_event_1"].dtype == np.int64 and out["time"].dtype == np.float64
    doc = json.loads(json.dumps(tab.to_dict()))
    assert doc["schema_hash"] == SCHEMA_HASH and doc["rtdelay_version"] == rtdelay.__version__
    assert doc["time_unit"] == "months" and doc["flags"] == ["f"] and doc["disclosure"] == "none"
    back = CountTable.from_dict(doc)
    pd.testing.assert_frame_equal(back.to_frame(), out)
    out.loc[0, "n_event_1"] = 99  # the table does not change through a returned frame
    assert tab.to_frame()["n_event_1"].iloc[0] == 3


def test_array_form_with_each_strata_choice() -> None:
    tab = CountTable.from_frame(_frame())
    assert tab.to_counts(strata="site").stratum_labels == ("A", "B")
    assert tab.to_counts(strata="none").stratum_labels == ("",)
    assert tab.to_counts(strata="site", groups=("y", "x")).group_labels == ("y", "x")
    with pytest.raises(InputError, match="strata must be"):
        tab.to_counts(strata="bogus")


def test_count_frame_equals_count_records() -> None:
    t = np.array([1.0, 1.0, 2.0, 5.0])
    c = np.array([1, 0, 2, 1])
    f = count_frame(t, c, site="S", group=["a", "b", "a", "a"])
    rec = count_records(t, c, group=["a", "b", "a", "a"])
    assert f["time"].tolist() == rec.time.tolist() and f["n_event_2"].tolist() == rec.n_event_2.tolist()
    assert set(f["site"]) == {"S"}


@pytest.mark.parametrize(
    ("col", "value", "message"),
    [("time", -1.0, "row 0: time"), ("time", np.nan, "row 0: time"), ("n_event_1", 1.5, "row 0: n_event_1"),
     ("n_censored", "x", "row 0: n_censored")],
)
def test_bad_frames_name_row_and_column(col: str, value: object, message: str) -> None:
    f = _frame().astype({col: object})
    f.loc[0, col] = value
    with pytest.raises(InputError, match=message):
        CountTable.from_frame(f)


def test_missing_column_and_time_unit_and_hash() -> None:
    with pytest.raises(InputError, match="n_event_2"):
        CountTable.from_frame(_frame().drop(columns="n_event_2"))
    with pytest.raises(InputError, match="time_unit"):
        CountTable.from_frame(_frame(), time_unit="fortnights")
    doc = CountTable.from_frame(_frame()).to_dict() | {"schema_hash": "0" * 16}
    with pytest.raises(InputError, match="schema hash"):
        CountTable.from_dict(doc)
