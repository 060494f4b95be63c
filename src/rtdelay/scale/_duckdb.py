"""DuckDB for the count aggregation: its settings (memory, threads, spill folder) and the run.

DuckDB runs embedded with an explicit budget (:func:`duckdb_settings`): a memory limit, a thread
count and a temporary directory to spill to, each set by a keyword argument or an environment
variable (``RTDELAY_DUCKDB_MEMORY_LIMIT``, ``RTDELAY_DUCKDB_THREADS``,
``RTDELAY_DUCKDB_TEMP_DIR``). The limit bounds DuckDB's buffer manager (hash tables, spilled
partitions); reading the file and the Python process come on top.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rtdelay.errors import InputError
from rtdelay.scale._sql import build_count_sql

if TYPE_CHECKING:
    import pandas as pd

    from rtdelay.scale._sql import ColumnKind, CountSpec

__all__ = [
    "DUCKDB_MAX_THREADS",
    "DUCKDB_MEMORY_LIMIT",
    "ENV_MEMORY_LIMIT",
    "ENV_TEMP_DIR",
    "ENV_THREADS",
    "DuckDBSettings",
    "duckdb_settings",
    "run_duckdb",
]

#: DuckDB's memory budget by default (``RTDELAY_DUCKDB_MEMORY_LIMIT``); above it the aggregation
#: spills to the temporary directory.
DUCKDB_MEMORY_LIMIT = "256MB"
#: Most threads DuckDB uses by default (``RTDELAY_DUCKDB_THREADS``); each thread reads and
#: hashes its own chunks, so memory grows with the thread count.
DUCKDB_MAX_THREADS = 4
ENV_MEMORY_LIMIT = "RTDELAY_DUCKDB_MEMORY_LIMIT"
ENV_THREADS = "RTDELAY_DUCKDB_THREADS"
ENV_TEMP_DIR = "RTDELAY_DUCKDB_TEMP_DIR"
_MEMORY_RE = re.compile(r"^\s*\d+(\.\d+)?\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class DuckDBSettings:
    """DuckDB's budget for one aggregation.

    Attributes
    ----------
    memory_limit : str
        DuckDB's ``memory_limit`` (e.g. ``"256MB"``, ``"2GB"``).
    threads : int
        DuckDB's ``threads``.
    temp_parent : str or None
        Folder in which a fresh spill directory is made (and removed afterwards) when no
        ``spill_dir`` is given; None: the system's temporary folder.
    """

    memory_limit: str
    threads: int
    temp_parent: str | None


def duckdb_settings(
    *, memory_limit: str | None = None, threads: int | None = None
) -> DuckDBSettings:
    """DuckDB's settings: the arguments, else the environment variables, else the defaults.

    ``memory_limit``: ``RTDELAY_DUCKDB_MEMORY_LIMIT``, default :data:`DUCKDB_MEMORY_LIMIT`;
    ``threads``: ``RTDELAY_DUCKDB_THREADS``, default the cores, at most
    :data:`DUCKDB_MAX_THREADS`; spill folder parent: ``RTDELAY_DUCKDB_TEMP_DIR``.

    Raises
    ------
    InputError
        A memory limit that is not a size (``256MB``, ``1.5GB``, ...), a thread count below 1,
        or a temporary folder that is a file.
    """
    source = "memory_limit"
    if memory_limit is None:
        memory_limit = os.environ.get(ENV_MEMORY_LIMIT) or DUCKDB_MEMORY_LIMIT
        source = ENV_MEMORY_LIMIT
    if not _MEMORY_RE.match(memory_limit):
        raise InputError(f"{source} {memory_limit!r}: give a size such as 256MB or 2GB")
    threads_source = "threads"
    if threads is None:
        text = os.environ.get(ENV_THREADS)
        if text:
            threads_source = ENV_THREADS
            try:
                threads = int(text)
            except ValueError:
                raise InputError(
                    f"{ENV_THREADS} {text!r}: give a whole number of threads >= 1"
                ) from None
        else:
            threads = max(1, min(DUCKDB_MAX_THREADS, os.cpu_count() or 1))
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise InputError(f"{threads_source} {threads!r}: give a whole number of threads >= 1")
    parent = os.environ.get(ENV_TEMP_DIR) or None
    if parent is not None and Path(parent).exists() and not Path(parent).is_dir():
        raise InputError(f"{ENV_TEMP_DIR} {parent!r}: not a folder")
    return DuckDBSettings(memory_limit=memory_limit.strip(), threads=threads, temp_parent=parent)


def _duckdb_kind(type_name: str) -> ColumnKind:
    t = type_name.upper()
    if t == "BOOLEAN":
        return "boolean"
    numeric = (
        "INT",
        "DOUBLE",
        "FLOAT",
        "DECIMAL",
        "REAL",
        "NUMERIC",
        "HUGEINT",
        "BIGINT",
        "SMALLINT",
        "TINYINT",
    )
    if any(t.startswith(n) or n in t for n in numeric):
        return "number"
    return "text"


_STATS = ("peak_buffer_memory", "peak_temp_dir_size", "total_bytes_spilled")


def _track_spilling(con: Any) -> bool:
    """Ask DuckDB to record the run's memory and spill figures (DuckDB >= 2.0; else False)."""
    import duckdb

    try:
        con.execute("SET enable_profiling = 'no_output'")
        con.execute("SET tracked_metrics = ['system.*']")
    except duckdb.Error:
        return False
    return True


def _spill_stats(con: Any) -> dict[str, int]:
    import duckdb

    try:
        system = json.loads(con.get_profiling_information(format="json")).get("system", {})
    except (duckdb.Error, ValueError, AttributeError):
        return {}
    return {k: int(system[k]) for k in _STATS if isinstance(system.get(k), (int, float))}


def _connect_duckdb(settings: DuckDBSettings, temp_dir: str) -> Any:
    import duckdb

    # preserve_insertion_order off: the result is sorted afterwards, and keeping row order costs
    # memory on large scans (DuckDB's documentation on memory).
    config: dict[str, Any] = {
        "memory_limit": settings.memory_limit,
        "threads": settings.threads,
        "temp_directory": temp_dir,
        "preserve_insertion_order": False,
    }
    try:
        return duckdb.connect(database=":memory:", config=config)
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"DuckDB refused its settings ({settings.memory_limit}, {settings.threads} threads): {first}"
        ) from None


def run_duckdb(
    spec: CountSpec, source: object, fmt: str, *, spill_dir: str | None, settings: DuckDBSettings
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Run the count statement on ``source`` (a frame, parquet or csv) in a fresh connection.

    Returns the raw result (:func:`rtdelay.scale._sql.build_count_sql`) and DuckDB's memory and
    spill figures (empty when this DuckDB does not report them).
    """
    import duckdb

    own_dir = spill_dir is None
    if spill_dir is None:
        if settings.temp_parent is not None:
            Path(settings.temp_parent).mkdir(parents=True, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix="rtdelay-duckdb-", dir=settings.temp_parent)
    else:
        if Path(spill_dir).exists() and not Path(spill_dir).is_dir():
            raise InputError(f"{spill_dir}: the spill directory is a file")
        tmp = spill_dir
    con = _connect_duckdb(settings, tmp)
    try:
        return _aggregate(con, spec, source, fmt)
    except duckdb.OutOfMemoryException:
        raise InputError(
            f"DuckDB ran out of memory under memory_limit {settings.memory_limit} with "
            f"{settings.threads} thread(s): raise {ENV_MEMORY_LIMIT} or lower {ENV_THREADS}"
        ) from None
    finally:
        con.close()
        if own_dir:
            shutil.rmtree(tmp, ignore_errors=True)


def _aggregate(
    con: Any, spec: CountSpec, source: object, fmt: str
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The statement on one connection: the raw result and DuckDB's figures."""
    import pandas as pd

    from rtdelay.scale._engines import _check_columns, _text_frame

    con.execute("SET enable_progress_bar = false")  # no bar on a terminal or in captured output
    tracked = _track_spilling(con)
    if fmt == "frame":
        assert isinstance(source, pd.DataFrame)
        rel = con.from_df(_text_frame(source, spec.columns()))
    elif fmt == "parquet":
        path = str(source)
        if Path(path).is_dir():
            path = str(Path(path) / "**" / "*.parquet")
        rel = con.read_parquet(path)
    else:
        rel = con.read_csv(str(source), header=True, all_varchar=True)
    _check_columns(spec, source, rel.columns)
    kinds = {
        name: _duckdb_kind(str(dtype)) for name, dtype in zip(rel.columns, rel.dtypes, strict=True)
    }
    rel.create_view("rtdelay_source")
    sql = build_count_sql(spec, relation="rtdelay_source", kinds=kinds, dialect="duckdb")
    raw = con.execute(sql).fetchdf()
    return raw, (_spill_stats(con) if tracked else {})
