"""Count aggregation on three engines: DuckDB (embedded, out of core), pandas (reference), Spark.

:func:`aggregate_counts` reads a parquet or csv file (or takes a DataFrame) and returns the long
*count frame* (one row per site, stratum, group and time where something happens) and the rows
that broke a rule, counted per rule. DuckDB and Spark run the same statement
(:func:`rtdelay.scale._sql.build_count_sql`); pandas applies the same rules itself and is the
reference the tests compare the others with.

CSV files are read as text by every engine (DuckDB ``all_varchar``, pandas ``dtype=str``, Spark
without schema inference), so a value is read the same way whichever engine runs; parquet keeps
its column types.

DuckDB runs with an explicit budget (:func:`duckdb_settings`): a memory limit (256 MB), a thread
count (the cores, at most 4) and a temporary directory to spill to, each set by a keyword
argument or an environment variable (``RTDELAY_DUCKDB_MEMORY_LIMIT``,
``RTDELAY_DUCKDB_THREADS``, ``RTDELAY_DUCKDB_TEMP_DIR``). The memory limit bounds DuckDB's buffer
manager (hash tables, spilled partitions); reading and the result come on top. With the
defaults, 10 M rows peaked at about 320 MB resident from parquet and 350 MB from csv, about 120
MB of it the Python process (``benchmarks/bench_counts.py``). DuckDB's own figures (peak buffer
memory, bytes spilled) are returned in :attr:`CountAggregation.engine_stats`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from rtdelay.errors import InputError
from rtdelay.scale._duckdb import DuckDBSettings, duckdb_settings, run_duckdb
from rtdelay.scale._sql import (
    Competing,
    CountSpec,
    all_rules,
    columns_missing,
)

__all__ = [
    "ENGINES",
    "COUNT_COLUMNS",
    "CountAggregation",
    "DuckDBSettings",
    "aggregate_counts",
    "aggregate_spec",
    "default_engine",
    "duckdb_settings",
    "engine_available",
]

Engine = Literal["duckdb", "pandas", "spark"]
ENGINES: tuple[str, ...] = ("duckdb", "pandas", "spark")

#: Columns of the count frame, in order.
COUNT_COLUMNS: tuple[str, ...] = (
    "site",
    "stratum",
    "group",
    "time",
    "n_event_1",
    "n_event_2",
    "n_censored",
)


@dataclass(frozen=True)
class CountAggregation:
    """The count frame of one aggregation and what it did not count.

    Attributes
    ----------
    counts : pandas.DataFrame
        ``site`` (str), ``stratum`` (str, "" when none), ``group`` (str), ``time`` (float64),
        ``n_event_1`` (int64, event of interest), ``n_event_2`` (int64, competing event),
        ``n_censored`` (int64); sorted by site, stratum, group, time.
    rejected : pandas.DataFrame
        ``kind`` (``rejected`` for a missing or invalid required value, ``excluded`` for an
        eligibility criterion), ``rule`` and ``n``: one row per rule, in the order the rules
        are checked, zeros kept.
    n_rows : int
        Rows read: ``n_rows = counts' total + rejected.n.sum()``.
    engine, time_unit : str
    engine_stats : dict
        What the engine reports about the run, when it does (DuckDB >= 2.0):
        ``peak_buffer_memory``, ``peak_temp_dir_size`` and ``total_bytes_spilled`` in bytes
        (nonzero spill figures: the aggregation spilled to the temporary directory).
    """

    counts: pd.DataFrame
    rejected: pd.DataFrame
    n_rows: int
    engine: str
    time_unit: str
    engine_stats: dict[str, int] = field(default_factory=dict)

    @property
    def n_counted(self) -> int:
        c = self.counts
        return int(c["n_event_1"].sum() + c["n_event_2"].sum() + c["n_censored"].sum())

    def to_frame(self) -> pd.DataFrame:
        """The count frame."""
        return self.counts

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "time_unit": self.time_unit,
            "n_rows": self.n_rows,
            "n_counted": self.n_counted,
            "rejected": self.rejected.to_dict(orient="records"),
            "counts": self.counts.to_dict(orient="list"),
        }


def engine_available(engine: str) -> bool:
    """Whether the engine's library is installed (pandas always is)."""
    import importlib.util

    if engine == "pandas":
        return True
    return importlib.util.find_spec({"duckdb": "duckdb", "spark": "pyspark"}[engine]) is not None


def default_engine() -> str:
    """DuckDB when it is installed (``pip install 'rtdelay[scale]'``), else pandas."""
    return "duckdb" if engine_available("duckdb") else "pandas"


def _source_format(source: object) -> str:
    if isinstance(source, pd.DataFrame):
        return "frame"
    name = str(source).lower()
    if name.endswith((".parquet", ".pq")) or (Path(str(source)).is_dir() and "://" not in name):
        return "parquet"
    if name.endswith((".csv", ".csv.gz", ".txt")):
        return "csv"
    if "://" in name:  # hdfs://, s3a://, ... : a folder of parquet files (Spark)
        return "parquet"
    raise InputError(f"{source}: give a .parquet or .csv file (or a folder of parquet files)")


def _text_frame(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The spec's columns, object columns as str-or-None so every engine reads them as text."""
    out = {}
    for name in columns:
        if name not in frame.columns:
            continue
        s = frame[name].reset_index(drop=True)
        if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
            out[name] = s
        else:
            missing = s.isna().to_numpy(dtype=bool)
            text = s.astype(str).astype(object)
            text[missing] = None
            out[name] = text
    return pd.DataFrame(out)


def _finish(
    raw: pd.DataFrame,
    spec: CountSpec,
    *,
    engine: str,
    time_unit: str,
    stats: dict[str, int] | None = None,
) -> CountAggregation:
    """Raw engine result -> sorted count frame and per-rule rejections."""
    raw = raw.copy()
    for col in ("n_event_1", "n_event_2", "n_censored"):
        raw[col] = raw[col].astype("int64")
    is_rule = raw["rule"].notna()
    rules = all_rules(spec)
    by_rule = [0] * len(rules)
    counted = raw.loc[is_rule, ["rule", "n_event_1", "n_event_2", "n_censored"]]
    for code, n1, n2, n0 in counted.itertuples(index=False):
        by_rule[int(code)] += int(n1) + int(n2) + int(n0)
    rejected = pd.DataFrame(
        [{"kind": r.kind, "rule": r.rule, "n": n} for r, n in zip(rules, by_rule, strict=True)],
        columns=["kind", "rule", "n"],
    ).astype({"n": "int64"})

    kept = raw.loc[~is_rule]
    counts = pd.DataFrame(
        {
            "site": kept["site"].astype(str).to_numpy(dtype=object),
            "stratum": kept["stratum"].astype(str).to_numpy(dtype=object),
            "group": kept["grp"].astype(str).to_numpy(dtype=object),
            "time": kept["t"].astype("float64").to_numpy(),
            "n_event_1": kept["n_event_1"].to_numpy(dtype="int64"),
            "n_event_2": kept["n_event_2"].to_numpy(dtype="int64"),
            "n_censored": kept["n_censored"].to_numpy(dtype="int64"),
        }
    )
    counts = counts.sort_values(["site", "stratum", "group", "time"], kind="mergesort").reset_index(
        drop=True
    )
    n_rows = int(raw[["n_event_1", "n_event_2", "n_censored"]].to_numpy().sum())
    return CountAggregation(
        counts=counts,
        rejected=rejected,
        n_rows=n_rows,
        engine=engine,
        time_unit=time_unit,
        engine_stats=stats or {},
    )


def _read_pandas(source: object, fmt: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """The spec's columns; text read as categoricals (parsed once per distinct value)."""
    if fmt == "frame":
        assert isinstance(source, pd.DataFrame)
        return _text_frame(source, columns)
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pq.ParquetDataset(str(source)).schema
        use = [c for c in columns if c in schema.names]
        text = [
            c
            for c in use
            if pa.types.is_string(schema.field(c).type)
            or pa.types.is_large_string(schema.field(c).type)
        ]
        table = pq.read_table(str(source), columns=use, read_dictionary=text)
        # self_destruct frees each Arrow column once converted (the table is not used after);
        # then the pool hands its unused memory back, so Arrow's copy does not stay resident.
        frame = table.to_pandas(self_destruct=True, split_blocks=True)
        del table
        pa.default_memory_pool().release_unused()
        return frame
    header = pd.read_csv(str(source), nrows=0)
    use = [c for c in columns if c in header.columns]
    return pd.read_csv(
        str(source), usecols=use, dtype="category", keep_default_na=False, na_filter=False
    )


def _check_columns(spec: CountSpec, source: object, available: Any) -> None:
    missing = columns_missing(spec, [str(c) for c in available])
    if missing:
        raise InputError(f"{source}: column(s) missing: {', '.join(missing)}")


def _source_columns(source: object, fmt: str) -> list[str]:
    if fmt == "frame":
        assert isinstance(source, pd.DataFrame)
        return [str(c) for c in source.columns]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return list(pq.ParquetDataset(str(source)).schema.names)
    return [str(c) for c in pd.read_csv(str(source), nrows=0).columns]


def aggregate_spec(
    source: object,
    spec: CountSpec,
    *,
    engine: str = "duckdb",
    time_unit: str = "months",
    spill_dir: str | os.PathLike[str] | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    spark: Any = None,
) -> CountAggregation:
    """Aggregate ``source`` as ``spec`` says with ``engine`` (see :func:`aggregate_counts`)."""
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    if not engine_available(engine):
        extra = "scale" if engine == "duckdb" else "spark"
        raise InputError(f"engine {engine!r} is not installed: pip install 'rtdelay[{extra}]'")
    fmt = _source_format(source)
    if "://" in str(source) and engine != "spark":
        raise InputError(
            f"{source}: remote paths (hdfs://, s3a://) are read by --engine spark only"
        )
    if fmt != "frame" and "://" not in str(source) and not Path(str(source)).exists():
        raise InputError(f"{source}: no such file")
    stats: dict[str, int] = {}
    if engine == "pandas":
        _check_columns(spec, source, _source_columns(source, fmt))
        from rtdelay.scale._reference import pandas_counts

        raw = pandas_counts(spec, _read_pandas(source, fmt, spec.columns()))
    elif engine == "duckdb":
        settings = duckdb_settings(memory_limit=memory_limit, threads=threads)
        raw, stats = run_duckdb(
            spec,
            source,
            fmt,
            spill_dir=None if spill_dir is None else str(spill_dir),
            settings=settings,
        )
    else:
        from rtdelay.scale._spark import spark_counts

        raw = spark_counts(spec, source, fmt, session=spark)
    return _finish(raw, spec, engine=engine, time_unit=time_unit, stats=stats)


def aggregate_counts(
    source: object,
    *,
    time: str,
    event: str,
    group: str | None = None,
    site: str | None = None,
    stratum: str | None = None,
    competing: str | Competing | None = None,
    engine: str = "duckdb",
    time_unit: str = "months",
    spill_dir: str | os.PathLike[str] | None = None,
    memory_limit: str | None = None,
    threads: int | None = None,
    spark: Any = None,
) -> CountAggregation:
    """Aggregate a patient-level table into the long count frame.

    Per cell (site, stratum, group, time) it counts the rows whose event of interest
    (``event`` = 1), competing event (cause 2) or censoring (``event`` = 0 and no competing
    event) happens at that time. These counts are everything Kaplan-Meier (Greenwood), the
    log-rank family, Aalen-Johansen and Gray's test need: the number at risk at ``t`` is the
    number of rows with time >= t, ``n(t) = sum over s >= t of (d1 + d2 + c)(s)``.

    Parameters
    ----------
    source : path or pandas.DataFrame
        A parquet file (or folder of parquet files), a csv file, or a frame. Spark also reads
        ``hdfs://`` and ``s3a://`` paths.
    time, event : str
        Column of the time (finite, >= 0, in ``time_unit``) and of the event flag (0/1,
        true/false).
    group, site, stratum : str, optional
        Columns of the group, the site and the stratum (blank values are rejected).
    competing : str or Competing, optional
        Competing event flag at ``time``, or :class:`Competing` with its own time column.
    engine : {"duckdb", "pandas", "spark"}
        DuckDB runs embedded and out of core (``memory_limit``, spilling to ``spill_dir``);
        pandas is the in-memory reference; Spark runs the same SQL on the session given as
        ``spark`` or on a local one (see :mod:`rtdelay.scale._spark` to use a cluster).
    time_unit : str
        Unit of ``time``, carried to the result (no conversion).
    spill_dir : path, optional
        DuckDB's temporary directory: DuckDB removes its files when done (and the folder
        itself when it had to make it).
        Default: a fresh folder under ``RTDELAY_DUCKDB_TEMP_DIR`` or the system's temporary
        folder, removed afterwards.
    memory_limit : str, optional
        DuckDB's memory limit (``"256MB"``, ``"2GB"``); default ``RTDELAY_DUCKDB_MEMORY_LIMIT``
        or 256MB. Above it DuckDB spills to the temporary directory.
    threads : int, optional
        DuckDB's threads; default ``RTDELAY_DUCKDB_THREADS`` or the cores, at most 4.

    Returns
    -------
    CountAggregation
        ``counts`` (the count frame) and ``rejected`` (rows not counted, per rule).

    Raises
    ------
    InputError
        Unknown engine or engine not installed, unreadable source, a named column absent, DuckDB
        settings that are not valid, DuckDB out of memory under its limit.

    Notes
    -----
    Rows with a blank or invalid required value are never dropped silently: each is counted
    under its first failing rule (site, stratum, group, time, event, competing, in that order).
    """
    spec = CountSpec(
        time=time, event=event, group=group, site=site, stratum=stratum, competing=competing
    )
    return aggregate_spec(
        source,
        spec,
        engine=engine,
        time_unit=time_unit,
        spill_dir=spill_dir,
        memory_limit=memory_limit,
        threads=threads,
        spark=spark,
    )
