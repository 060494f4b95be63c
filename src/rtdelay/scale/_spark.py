"""Spark engine: the count aggregation's SQL on a Spark session (local mode or a cluster).

The statement is :func:`rtdelay.scale._sql.build_count_sql` (the one DuckDB runs; only the
identifier quoting differs). Spark reads the rows and aggregates them where they live; only the
count frame (a few thousand rows at most: one per site, stratum, group and distinct time) comes
back to the driver, where the statistics run.

Pointing it at a cluster
------------------------
Pass your own session, or let :func:`local_session` be skipped by setting the master::

    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("spark://head:7077")   # or "yarn", "k8s://..."
             .config("spark.hadoop.fs.s3a.aws.credentials.provider",
                     "com.amazonaws.auth.DefaultAWSCredentialsProviderChain")
             .getOrCreate())
    aggregate_counts("s3a://bucket/registry/cohort.parquet", time="os_months",
                     event="os_event", group="group", site="site", engine="spark", spark=spark)

From the command line, ``RTDELAY_SPARK_MASTER`` (e.g. ``yarn``) replaces ``local[*]`` and
``spark-submit``'s usual ``SPARK_CONF_DIR``/``spark-defaults.conf`` apply; an ``hdfs://`` or
``s3a://`` path is handed to Spark unchanged (the cluster needs the Hadoop connectors and
credentials for it, as for any Spark job).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import pandas as pd

from rtdelay.scale._sql import build_count_sql

if TYPE_CHECKING:
    from rtdelay.scale._sql import ColumnKind, CountSpec

__all__ = ["spark_counts", "local_session"]

_RELATION = "rtdelay_source"


def local_session(*, master: str | None = None, partitions: int = 4) -> Any:
    """A Spark session: ``master`` or ``RTDELAY_SPARK_MASTER`` or ``local[*]``.

    The UI is off and shuffle partitions are few (the count frame is small); an existing
    session (e.g. under ``spark-submit``) is reused by ``getOrCreate``.
    """
    from pyspark.sql import SparkSession

    chosen = master or os.environ.get("RTDELAY_SPARK_MASTER") or "local[*]"
    builder = (
        SparkSession.builder.master(chosen)
        .appName("rtdelay-counts")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    return builder.getOrCreate()


def _kind(data_type: Any) -> ColumnKind:
    from pyspark.sql.types import BooleanType, NumericType

    if isinstance(data_type, BooleanType):
        return "boolean"
    if isinstance(data_type, NumericType):
        return "number"
    return "text"


def spark_counts(spec: CountSpec, source: object, fmt: str, *, session: Any = None) -> pd.DataFrame:
    """Run the count statement on Spark and collect the raw result to the driver."""
    from rtdelay.scale._engines import _check_columns

    spark = session if session is not None else local_session()
    if fmt == "frame":
        assert isinstance(source, pd.DataFrame)
        from rtdelay.scale._engines import _text_frame

        local = _text_frame(source, spec.columns())
        from pyspark.sql.types import (
            BooleanType,
            DoubleType,
            LongType,
            StringType,
            StructField,
            StructType,
        )

        fields = []
        for name in local.columns:
            s = local[name]
            if pd.api.types.is_bool_dtype(s.dtype):
                t: Any = BooleanType()
            elif pd.api.types.is_integer_dtype(s.dtype):
                t = LongType()
            elif pd.api.types.is_numeric_dtype(s.dtype):
                t = DoubleType()
            else:
                t = StringType()
            fields.append(StructField(str(name), t, True))
        rows = [
            tuple(None if _na(v) else _py(v) for v in row) for row in local.itertuples(index=False)
        ]
        df = spark.createDataFrame(rows, schema=StructType(fields))
    else:
        df = _read(spark, source, fmt)
    _check_columns(spec, source, df.columns)
    kinds = {f.name: _kind(f.dataType) for f in df.schema.fields}
    df.createOrReplaceTempView(_RELATION)
    sql = build_count_sql(spec, relation=_RELATION, kinds=kinds, dialect="spark")
    # toPandas goes through Arrow when the session enables it (local_session does): the count
    # frame can have hundreds of thousands of cells, too many for row-by-row collect().
    return spark.sql(sql).toPandas()


def _read(spark: Any, source: object, fmt: str) -> Any:
    """Spark's reader on ``source``; a path Spark cannot open is one line (InputError)."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    from rtdelay.errors import InputError

    try:
        if fmt == "parquet":
            return spark.read.parquet(str(source))
        return spark.read.option("header", "true").option("inferSchema", "false").csv(str(source))
    except (Py4JJavaError, PySparkException) as exc:
        java = getattr(exc, "java_exception", None)
        text = str(java) if java is not None else str(exc)
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        raise InputError(f"{source}: Spark cannot read it ({first[:300]})") from None


def _na(value: Any) -> bool:
    from rtdelay.scale._reference import is_missing

    return is_missing(value)


def _py(value: Any) -> Any:
    """numpy scalars -> Python scalars for Spark's row converter."""
    item = getattr(value, "item", None)
    return item() if callable(item) else value
