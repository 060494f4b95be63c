"""DuckDB out of core: a forced spill gives pandas' count table; its settings and their errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rtdelay.errors import InputError
from rtdelay.scale import aggregate_counts, duckdb_settings

duckdb = pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

SPEC = {"time": "time", "event": "event", "group": "group", "site": "site"}
ROWS = 500_000
#: Small enough that the hash table of ~500,000 cells does not fit (DuckDB then spills its
#: partitions), large enough for DuckDB's fixed buffers (below ~32MB it fails instead).
TINY = "40MB"


@pytest.fixture(scope="module")
def many_cells(tmp_path_factory: pytest.TempPathFactory) -> str:
    """500,000 rows with distinct times: one cell per row, a hash table well above 40 MB."""
    rng = np.random.default_rng(16)
    sites = np.array([f"site{k:02d}" for k in range(50)])
    times = rng.permutation(ROWS) / 1000.0  # distinct times
    table = pa.table(
        {
            "site": pa.array(sites[rng.integers(0, 50, ROWS)]),
            "group": pa.array(np.where(rng.random(ROWS) < 0.3, "PBR", "NPBR")),
            "time": pa.array(times),
            "event": pa.array((rng.random(ROWS) < 0.5).astype(np.int8)),
        }
    )
    path = tmp_path_factory.mktemp("spill-data") / "rows.parquet"
    pq.write_table(table, path)
    return str(path)


def test_forced_spill_equals_pandas_and_cleans_up(many_cells: str, tmp_path) -> None:
    spill = tmp_path / "spill"
    spill.mkdir()
    agg = aggregate_counts(
        many_cells, engine="duckdb", memory_limit=TINY, threads=1, spill_dir=spill, **SPEC
    )
    # DuckDB says it wrote to the temporary directory ...
    assert agg.engine_stats["total_bytes_spilled"] > 0
    assert agg.engine_stats["peak_temp_dir_size"] > 0
    # ... and kept its buffers under the limit while doing so
    assert agg.engine_stats["peak_buffer_memory"] <= 40 * 10**6 * 1.05
    # the folder we gave is left, empty: DuckDB removed its files
    assert spill.is_dir() and list(spill.iterdir()) == []

    ref = aggregate_counts(many_cells, engine="pandas", **SPEC)
    pd.testing.assert_frame_equal(agg.counts, ref.counts)
    pd.testing.assert_frame_equal(agg.rejected, ref.rejected)
    assert agg.n_rows == ref.n_rows == ROWS
    assert len(agg.counts) == ROWS  # one cell per row: every time distinct
    # the source's own figures, by hand: events + censorings = rows, none rejected
    assert agg.n_counted == ROWS and int(agg.rejected["n"].sum()) == 0


def test_missing_spill_dir_is_made_and_removed(many_cells: str, tmp_path) -> None:
    spill = tmp_path / "not-yet"
    agg = aggregate_counts(
        many_cells, engine="duckdb", memory_limit=TINY, threads=1, spill_dir=spill, **SPEC
    )
    assert agg.engine_stats["total_bytes_spilled"] > 0
    assert not spill.exists()  # DuckDB made it for the spill and removed it on closing


def test_no_spill_under_default_limit(many_cells: str) -> None:
    agg = aggregate_counts(many_cells, engine="duckdb", memory_limit="1GB", threads=1, **SPEC)
    assert agg.engine_stats["total_bytes_spilled"] == 0


def test_own_spill_folder_is_removed(
    many_cells: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parent = tmp_path / "parent"
    monkeypatch.setenv("RTDELAY_DUCKDB_TEMP_DIR", str(parent))
    monkeypatch.setenv("RTDELAY_DUCKDB_MEMORY_LIMIT", TINY)
    monkeypatch.setenv("RTDELAY_DUCKDB_THREADS", "1")
    agg = aggregate_counts(many_cells, engine="duckdb", **SPEC)
    assert agg.engine_stats["total_bytes_spilled"] > 0  # the settings came from the environment
    assert parent.is_dir() and list(parent.iterdir()) == []


def test_settings_from_arguments_environment_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "RTDELAY_DUCKDB_MEMORY_LIMIT",
        "RTDELAY_DUCKDB_THREADS",
        "RTDELAY_DUCKDB_TEMP_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 16)
    s = duckdb_settings()
    assert (s.memory_limit, s.threads, s.temp_parent) == ("256MB", 4, None)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert duckdb_settings().threads == 2
    monkeypatch.setenv("RTDELAY_DUCKDB_MEMORY_LIMIT", "1.5GB")
    monkeypatch.setenv("RTDELAY_DUCKDB_THREADS", "3")
    s = duckdb_settings()
    assert (s.memory_limit, s.threads) == ("1.5GB", 3)
    s = duckdb_settings(memory_limit="64MiB", threads=1)  # arguments win
    assert (s.memory_limit, s.threads) == ("64MiB", 1)


@pytest.mark.parametrize(
    ("kwargs", "env", "message"),
    [
        ({"memory_limit": "lots"}, {}, "memory_limit 'lots': give a size"),
        ({"memory_limit": "256"}, {}, "memory_limit '256': give a size"),
        ({"memory_limit": "-1GB"}, {}, "give a size"),
        ({"threads": 0}, {}, "threads 0: give a whole number"),
        ({}, {"RTDELAY_DUCKDB_THREADS": "two"}, "RTDELAY_DUCKDB_THREADS 'two'"),
        ({}, {"RTDELAY_DUCKDB_THREADS": "-2"}, "RTDELAY_DUCKDB_THREADS -2: give"),
        (
            {},
            {"RTDELAY_DUCKDB_MEMORY_LIMIT": "1 GB; DROP"},
            "RTDELAY_DUCKDB_MEMORY_LIMIT '1 GB; DROP'",
        ),
    ],
)
def test_bad_settings_are_one_line(kwargs, env, message, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    frame = pd.DataFrame({"site": ["a"], "group": ["PBR"], "time": [1.0], "event": [1]})
    with pytest.raises(InputError, match=message) as info:
        aggregate_counts(frame, engine="duckdb", **SPEC, **kwargs)
    assert "\n" not in str(info.value)


def test_temp_parent_that_is_a_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    afile = tmp_path / "file"
    afile.write_text("x")
    monkeypatch.setenv("RTDELAY_DUCKDB_TEMP_DIR", str(afile))
    with pytest.raises(InputError, match="not a folder"):
        duckdb_settings()
    frame = pd.DataFrame({"site": ["a"], "group": ["PBR"], "time": [1.0], "event": [1]})
    monkeypatch.delenv("RTDELAY_DUCKDB_TEMP_DIR")
    with pytest.raises(InputError, match="spill directory is a file"):
        aggregate_counts(frame, engine="duckdb", spill_dir=afile, **SPEC)


def test_out_of_memory_is_one_line(many_cells: str, tmp_path) -> None:
    with pytest.raises(InputError, match="DuckDB ran out of memory under memory_limit 4MB") as info:
        aggregate_counts(
            many_cells, engine="duckdb", memory_limit="4MB", threads=1, spill_dir=tmp_path, **SPEC
        )
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []
