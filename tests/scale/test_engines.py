"""Count aggregation: hand-checked counts, rejected rows, DuckDB == pandas on every source."""

from __future__ import annotations

import pandas as pd
import pytest
from engine_frames import assert_same, durations_frame, hand_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from rtdelay.errors import InputError
from rtdelay.scale import Competing, aggregate_counts, study_counts

duckdb = pytest.importorskip("duckdb")

HAND = {"time": "time", "event": "event", "group": "group", "site": "site", "competing": "competing"}

# Worked by hand from engine_frames.HAND_ROWS (ties at 2.0; the event of interest wins over a
# competing flag on the same row; " 1 " is read as 1.0).
EXPECTED_COUNTS = pd.DataFrame(
    {
        "site": ["s1", "s1", "s1", "s2"],
        "stratum": ["", "", "", ""],
        "group": ["A", "A", "B", "A"],
        "time": [2.0, 3.5, 2.0, 1.0],
        "n_event_1": [1, 0, 2, 1],
        "n_event_2": [0, 1, 0, 0],
        "n_censored": [1, 0, 0, 1],
    }
).astype({"n_event_1": "int64", "n_event_2": "int64", "n_censored": "int64"})
EXPECTED_REJECTED = {
    "site: missing": 1,
    "group: missing": 1,
    "time: missing": 1,
    "time: not a finite number >= 0": 3,
    "event: missing": 1,
    "event: not 0/1 (true/false)": 1,
    "competing: missing": 1,
    "competing: not 0/1 (true/false)": 1,
}


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_hand_counts_and_rejections(engine: str) -> None:
    agg = aggregate_counts(hand_frame(), engine=engine, **HAND)
    pd.testing.assert_frame_equal(agg.counts, EXPECTED_COUNTS, check_dtype=False)
    assert list(agg.counts.columns) == ["site", "stratum", "group", "time", "n_event_1", "n_event_2", "n_censored"]
    assert dict(zip(agg.rejected["rule"], agg.rejected["n"], strict=True)) == EXPECTED_REJECTED
    assert set(agg.rejected["kind"]) == {"rejected"}
    # nothing lost: every row read is counted or rejected
    assert agg.n_rows == len(hand_frame()) == agg.n_counted + int(agg.rejected["n"].sum())
    assert agg.counts["time"].dtype == "float64"
    assert agg.counts["n_event_1"].dtype == "int64"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_files_agree_with_frame(tmp_path, fmt: str) -> None:
    frame = hand_frame()
    path = tmp_path / f"rows.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    ref = aggregate_counts(frame, engine="pandas", **HAND)
    for engine in ("pandas", "duckdb"):
        assert_same(aggregate_counts(str(path), engine=engine, **HAND), ref)


def test_typed_parquet_columns(tmp_path) -> None:
    """Booleans, integers, floats with NaN: DuckDB reads parquet types as pandas does."""
    frame = durations_frame(300, seed=3, dirty=False)
    frame.loc[[3, 9], "lc_months"] = float("nan")
    frame.loc[[4], "lc_months"] = float("inf")
    path = tmp_path / "typed.parquet"
    frame.to_parquet(path, index=False)
    spec = {"time": "lc_months", "event": "lc_event", "group": "surgery_type", "site": "site", "stratum": "rt_technique"}
    a = aggregate_counts(str(path), engine="duckdb", **spec)
    b = aggregate_counts(str(path), engine="pandas", **spec)
    assert_same(a, b)
    assert dict(zip(a.rejected["rule"], a.rejected["n"], strict=True))["lc_months: missing"] == 2
    c = aggregate_counts(str(path), engine="duckdb", time="os_months", event="seed_implantation", group="rt_at_site")
    d = aggregate_counts(str(path), engine="pandas", time="os_months", event="seed_implantation", group="rt_at_site")
    assert_same(c, d)
    assert set(c.counts["group"]) <= {"true", "false"}


def test_competing_with_its_own_time() -> None:
    frame = pd.DataFrame(
        {"lc": [5.0, 5.0, 2.0, 7.0], "lce": [1, 0, 0, 0], "os": [9.0, 6.0, 3.0, 7.0], "ose": [1, 1, 0, 1]}
    )
    for engine in ("pandas", "duckdb"):
        agg = aggregate_counts(frame, time="lc", event="lce", competing=Competing(event="ose", time="os"), engine=engine)
        got = agg.counts[["time", "n_event_1", "n_event_2", "n_censored"]].to_numpy().tolist()
        # 5.0 local failure; death at 6.0 (after last imaging at 5.0) counts at 6.0; 2.0 censored;
        # death at 7.0
        assert got == [[2.0, 0, 0, 1], [5.0, 1, 0, 0], [6.0, 0, 1, 0], [7.0, 0, 1, 0]]


def test_bad_input_messages(tmp_path) -> None:
    with pytest.raises(InputError, match="column\\(s\\) missing: nope"):
        aggregate_counts(hand_frame(), time="nope", event="event", engine="duckdb")
    with pytest.raises(InputError, match="unknown engine"):
        aggregate_counts(hand_frame(), time="time", event="event", engine="sqlite")
    with pytest.raises(InputError, match="no such file"):
        aggregate_counts(str(tmp_path / "absent.parquet"), time="t", event="e", engine="duckdb")
    with pytest.raises(InputError, match="engine spark only"):
        aggregate_counts("s3a://bucket/cohort.parquet", time="t", event="e", engine="duckdb")
    with pytest.raises(InputError, match="parquet or .csv"):
        aggregate_counts(str(tmp_path / "x.xlsx"), time="t", event="e", engine="duckdb")


def test_odd_column_names_are_quoted() -> None:
    frame = pd.DataFrame({'t"; DROP TABLE x; --': [1.0, 2.0], "e`v": [1, 0], "g r": ["a", "b"]})
    for engine in ("pandas", "duckdb"):
        agg = aggregate_counts(frame, time='t"; DROP TABLE x; --', event="e`v", group="g r", engine=engine)
        assert agg.counts["n_event_1"].tolist() == [1, 0]


def test_spill_dir_is_used_and_left_alone(tmp_path) -> None:
    agg = aggregate_counts(hand_frame(), engine="duckdb", spill_dir=tmp_path, memory_limit="64MB", **HAND)
    assert agg.n_rows == len(hand_frame())
    assert tmp_path.exists()


VALUES = st.sampled_from(["", " ", "0", "1", "2", "1.5", "0.5", "-1", "x", "true", "False", "nan", "inf", " 3 ", None])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "", None]), VALUES, VALUES, VALUES), min_size=0, max_size=30))
def test_duckdb_equals_pandas_on_any_rows(rows) -> None:
    frame = pd.DataFrame(rows, columns=["group", "time", "event", "competing"])
    spec = {"time": "time", "event": "event", "group": "group", "competing": "competing"}
    a = aggregate_counts(frame, engine="duckdb", **spec)
    b = aggregate_counts(frame, engine="pandas", **spec)
    assert_same(a, b)
    assert a.n_rows == len(frame) == a.n_counted + int(a.rejected["n"].sum())


def test_study_counts_flow_matches_the_cohort_rules(tmp_path) -> None:
    """Included rows and exclusions agree with rtdelay.cohort.apply_eligibility on the same rows."""
    from rtdelay.cohort import apply_eligibility

    frame = durations_frame(400, seed=11, dirty=False)
    path = tmp_path / "durations.parquet"
    frame.to_parquet(path, index=False)
    by_engine = {e: study_counts(str(path), engine=e) for e in ("pandas", "duckdb")}
    for name in by_engine["pandas"].analyses:
        assert_same(by_engine["duckdb"].analyses[name], by_engine["pandas"].analyses[name])
    sc = by_engine["duckdb"]
    derived = frame.assign(group=frame["prert_progression"].map({True: "PBR", False: "NPBR"}))
    elig = apply_eligibility(derived)
    flow = sc.flow()
    assert flow["included"] == elig.flow["included"]
    assert flow["exclusions"] == elig.flow["exclusions"]
    assert flow["rejected"] == 0
    inc = elig.included
    os_ = sc.analyses["overall_survival"].counts
    for g in ("PBR", "NPBR"):
        sub = inc.loc[inc["group"] == g]
        block = os_.loc[os_["group"] == g]
        assert int(block["n_event_1"].sum()) == int(sub["os_event"].sum())
        assert int(block[["n_event_1", "n_censored"]].to_numpy().sum()) == len(sub)
    comp = sc.analyses["local_control_competing"].counts
    assert int(comp["n_event_2"].sum()) == int(((inc["lc_event"] == 0) & (inc["os_event"] == 1)).sum())


def test_study_counts_rejects_and_counts_dirty_rows() -> None:
    frame = durations_frame(300, seed=5, dirty=True)
    a = study_counts(frame, engine="duckdb")
    b = study_counts(frame, engine="pandas")
    for name in a.analyses:
        assert_same(a.analyses[name], b.analyses[name])
    flow = a.flow()
    assert flow["rejected"] > 0 and "lc_months: missing" in flow["rejection_reasons"]
    assert flow["exclusions"]["no_prert_mri"] > 0
    assert flow["screened"] == 300 == flow["rejected"] + sum(flow["exclusions"].values()) + flow["included"]


def test_pandas_unpacked_groupby_equals_duckdb(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pandas engine's six-key groupby (used when the packed keys would overflow int64)."""
    import rtdelay.scale._reference as reference

    frame = durations_frame(300, seed=5, dirty=True)
    packed = study_counts(frame, engine="pandas")
    monkeypatch.setattr(reference, "_PACK_LIMIT", 0.0)
    unpacked = study_counts(frame, engine="pandas")
    duck = study_counts(frame, engine="duckdb")
    for name in duck.analyses:
        assert_same(unpacked.analyses[name], duck.analyses[name])
        assert_same(packed.analyses[name], duck.analyses[name])
