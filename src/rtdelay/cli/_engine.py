"""``--engine`` of ``rtdelay analyze`` and ``rtdelay site-summary``: the large-file path.

With ``--engine``, the cohort file (parquet or csv in the durations form: ``ti_months``,
``prert_progression``, ``lc_months``/``lc_event``, ``os_months``/``os_event``) is aggregated to
count tables by an engine instead of being read row by row:

* ``auto`` (what ``--engine`` alone means in the docs): DuckDB when installed
  (``pip install 'rtdelay[scale]'``), else pandas;
* ``duckdb``: embedded, out of core (spills to a temporary folder); 10 M rows in seconds;
* ``pandas``: in memory, the reference;
* ``spark``: pyspark; local mode unless ``RTDELAY_SPARK_MASTER`` names a cluster (see README).

Without ``--engine`` the patient-level pipeline runs as before (every analysis, every check).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from rtdelay.cli._app import fail

__all__ = ["ENGINE_HELP", "check_engine", "analyze_with_engine", "summary_with_engine"]

ENGINE_HELP = (
    "Large-file path: aggregate a durations-form parquet/csv to count tables with auto "
    "(DuckDB when installed, else pandas), duckdb, pandas or spark, and run the survival "
    "analyses from them (no patient-level checks beyond the required columns and eligibility)."
)


def check_engine(engine: str) -> str:
    """The engine to use for ``--engine`` ``engine``; exits with a one-line message if unusable."""
    from rtdelay.scale import ENGINES, default_engine, engine_available

    chosen = default_engine() if engine == "auto" else engine
    if chosen not in ENGINES:
        fail(f"--engine must be auto, {', '.join(ENGINES)}; got {engine!r}")
    if not engine_available(chosen):
        fail(f"--engine {chosen}: not installed (pip install 'rtdelay[scale]')")
    return chosen


def analyze_with_engine(cohort: str, *, engine: str, out: Path, site_column: str | None, quiet: bool) -> None:
    """``rtdelay analyze FILE --engine E``: count tables, pooled survival outputs in ``out``."""
    from rtdelay.errors import RtdelayError
    from rtdelay.report.outdir import output_folder
    from rtdelay.scale import analyze_counts

    chosen = check_engine(engine)
    try:
        with output_folder(out, inputs=[Path(cohort)], command="analyze --engine"):
            results: dict[str, Any] = analyze_counts(cohort, out_dir=out, engine=chosen, site_column=site_column)
    except RtdelayError as exc:
        fail(str(exc))
    if quiet:
        return
    run = results["count_table_run"]
    flow = run["flow"]
    typer.echo(
        f"count-table run ({chosen}): {flow['screened']} rows read, {flow['rejected']} rejected, "
        f"{sum(flow['exclusions'].values())} excluded, {flow['included']} included"
    )
    for rule, n in flow["rejection_reasons"].items():
        typer.echo(f"  rejected {n}: {rule}")
    lc, os_ = results.get("lc_1y") or {}, results.get("os_1y") or {}
    typer.echo(f"1-year local control {lc}; overall survival {os_}")
    typer.echo(f"log-rank p: local control {results.get('lc_logrank_p')}, overall survival {results.get('os_logrank_p')}")
    typer.echo("not computed from count tables: " + "; ".join(run["not_computed"]))
    typer.echo(f"written: {out / 'results.json'}, {out / 'report.html'}, {out / 'counts.csv'}")


def summary_with_engine(cohort: Path, *, engine: str, site: str, disclosure: str) -> dict[str, Any]:
    """``rtdelay site-summary FILE --site S --engine E``: the summary from engine-built counts.

    The whole file is the site ``site`` (one document); raises ``RtdelayError`` for bad input.
    """
    from rtdelay.scale import study_counts, summaries_from_counts

    chosen = check_engine(engine)
    counts = study_counts(cohort, engine=chosen)
    return summaries_from_counts(counts, site=site, disclosure=disclosure)[0]
