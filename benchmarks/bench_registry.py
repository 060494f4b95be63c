"""Benchmark: registry import of a 5,000-patient file (dry run, commit, re-import) and export.

Goals (issue 13): dry-run diff and commit each under 10 s, export of 5,000 patients under 3 s,
on SQLite and on PostgreSQL. Run::

    .venv/bin/python benchmarks/bench_registry.py [n_patients] [--postgres URL] [--repeat 3]

PostgreSQL uses a fresh database created beside the one in URL (dropped afterwards); without
``--postgres`` it uses ``$RTDELAY_TEST_POSTGRES_URL`` when set. Prints the median of the
repeats for each step, wall and CPU of this process (a fairer figure on a loaded machine; the
PostgreSQL server's own CPU is not in it).

2026-12-03, 3 runs each, machine loaded (load average 13.6 SQLite, 13.7 PostgreSQL on 2 cores),
after bulk writes (executemany/COPY) and xlsxwriter: SQLite commit 9.0 s wall / 2.1 s CPU (was
33.1 / 3.9), dry run 2.8 / 0.6, re-import 4.5 / 0.8, xlsx export 9.6 / 2.1 (was 42 / 5.4), csv
1.9 / 0.4; PostgreSQL commit 17.5 / 1.5, dry run 6.2 / 0.7, xlsx 24.8 / 2.1 (noisy: other
processes, load up to 20 in a second run: SQLite commit 14.2 / 2.5, PostgreSQL 25.1 / 2.0).

2026-12-04, 5,000 patients, 3 runs, load 0.7-0.8, a machine where numpy.argsort of 10^6 floats
takes 53 ms (another day's slower machine: 98.6 ms), after the xlsx writer converts each column
once and skips columns with no value: SQLite dry run 0.75 s, commit 2.94 s, re-import 0.86 s,
export csv 0.46, xlsx 2.01, sav 0.53, dta 0.48, parquet 0.29; PostgreSQL dry run 0.83 s, commit
2.55 s (1.89 s CPU here), re-import 0.94, export csv 0.39, xlsx 1.90, sav 0.45, dta 0.45,
parquet 0.24. The xlsx export alone (5 runs, median): 2.48 s before, 2.08 s after (x0.84); of
the 2.0 s, xlsxwriter's own cell writing is about 1.7 s (pyexcelerate, tried in the same run,
was no faster: 1.93 s for the cells alone).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_cohort import make_cohort  # noqa: E402

from rtdelay.registry import (  # noqa: E402
    add_site,
    cli_actor,
    export_registry,
    import_table,
    init_registry,
    read_import_file,
    write_export,
)

CPU: dict[str, float] = {}


def _timed(func: Callable[[], object]) -> tuple[float, object]:
    """Wall time; this process's CPU time goes to CPU (a fairer figure on a loaded machine)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = func()
    CPU["last"] = time.process_time() - cpu
    return time.perf_counter() - start, result


def _fresh_pg(url: str) -> tuple[str, Callable[[], None]]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"rtdelay_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


def run_once(url: str, csv_path: Path, out_dir: Path) -> dict[str, float]:
    registry, _ = init_registry(url)
    actor = cli_actor()
    with registry.session(actor=actor.name, write=True) as session:
        add_site(session, actor, "B", "Bench site")
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}
    times["read file"], raw = _timed(lambda: read_import_file(csv_path))
    cpu["read file"] = CPU["last"]
    times["dry run (diff)"], plan = _timed(lambda: import_table(registry, actor, raw, dry_run=True))
    cpu["dry run (diff)"] = CPU["last"]
    times["commit"], outcome = _timed(lambda: import_table(registry, actor, raw))
    cpu["commit"] = CPU["last"]
    times["re-import (no change)"], again = _timed(lambda: import_table(registry, actor, raw))
    cpu["re-import (no change)"] = CPU["last"]
    assert outcome.plan.counts()["new"] == len(raw.frame), outcome.plan.counts()
    assert again.plan.n_changes == 0
    for fmt in ("csv", "xlsx", "sav", "dta", "parquet"):
        def export(fmt: str = fmt) -> None:
            with registry.session(actor=actor.name, write=True) as session:
                write_export(export_registry(session, actor), out_dir / f"cohort.{fmt}")
        times[f"export {fmt}"], _ = _timed(export)
        cpu[f"export {fmt}"] = CPU["last"]
    registry.dispose()
    return {**times, **{f"{k} [cpu of this process]": v for k, v in cpu.items()}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=5000)
    parser.add_argument("--postgres", default=os.environ.get("RTDELAY_TEST_POSTGRES_URL"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "cohort.csv"
        make_cohort(args.n).to_csv(csv_path, index=False)
        backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
        for backend in backends:
            runs: list[dict[str, float]] = []
            for i in range(args.repeat):
                if backend == "sqlite":
                    url, drop = f"sqlite:///{folder / f'bench{i}.db'}", (lambda: None)
                else:
                    url, drop = _fresh_pg(args.postgres)
                try:
                    runs.append(run_once(url, csv_path, folder / f"out_{backend}_{i}"))
                finally:
                    drop()
            print(f"{backend}: {args.n} patients, median of {args.repeat} runs "
                  f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
            for step in runs[0]:
                values = [r[step] for r in runs]
                print(f"  {step:24s} {statistics.median(values):7.2f} s  "
                      f"(min {min(values):.2f}, max {max(values):.2f})")


if __name__ == "__main__":
    main()
