"""Spark (local mode) runs the same SQL as DuckDB: identical count frames on small tables.

One session for the module, ``local[1]``, one shuffle partition, no UI: start-up is the cost
(about 5-10 s), each query under a second or two.
"""

from __future__ import annotations

import pytest
from engine_frames import assert_same, durations_frame, hand_frame

from rtdelay.scale import aggregate_counts, study_counts

pytest.importorskip("pyspark")
pytest.importorskip("duckdb")

HAND = {
    "time": "time",
    "event": "event",
    "group": "group",
    "site": "site",
    "competing": "competing",
}


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("rtdelay-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.driver.memory", "512m")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.parametrize("fmt", ["frame", "csv", "parquet"])
def test_spark_equals_duckdb_and_pandas(spark, tmp_path, fmt: str) -> None:
    frame = hand_frame()
    source: object = frame
    if fmt == "csv":
        source = str(tmp_path / "rows.csv")
        frame.to_csv(source, index=False)
    elif fmt == "parquet":
        source = str(tmp_path / "rows.parquet")
        frame.to_parquet(source, index=False)
    got = aggregate_counts(source, engine="spark", spark=spark, **HAND)
    assert_same(got, aggregate_counts(source, engine="duckdb", **HAND))
    assert_same(got, aggregate_counts(source, engine="pandas", **HAND))


def test_spark_study_counts_on_typed_parquet(spark, tmp_path) -> None:
    frame = durations_frame(250, seed=13, dirty=True)
    frame = frame.astype(
        {"prert_progression": "boolean", "lc_months": "Float64", "os_event": "Int64"}
    )
    path = str(tmp_path / "durations.parquet")
    frame.to_parquet(path, index=False)
    by_spark = study_counts(path, engine="spark", site="site", spark=spark)
    by_duck = study_counts(path, engine="duckdb", site="site")
    by_pandas = study_counts(path, engine="pandas", site="site")
    for name in by_spark.analyses:
        assert_same(by_spark.analyses[name], by_duck.analyses[name])
        assert_same(by_spark.analyses[name], by_pandas.analyses[name])
    assert by_spark.flow() == by_pandas.flow()


def test_spark_on_a_frame_with_nullable_dtypes(spark) -> None:
    frame = durations_frame(120, seed=17, dirty=True).astype(
        {"prert_progression": "boolean", "os_event": "Int64"}
    )
    a = study_counts(frame, engine="spark", spark=spark)
    b = study_counts(frame, engine="pandas")
    for name in a.analyses:
        assert_same(a.analyses[name], b.analyses[name])


def test_spark_unreadable_path_is_one_line(spark) -> None:
    from rtdelay.errors import InputError

    # an hdfs:// path without a namenode: Spark's Java exception becomes one line
    with pytest.raises(
        InputError, match=r"hdfs:///nowhere/rows.parquet: Spark cannot read it \("
    ) as info:
        aggregate_counts("hdfs:///nowhere/rows.parquet", engine="spark", spark=spark, **HAND)
    assert "\n" not in str(info.value)
