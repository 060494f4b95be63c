"""``rtdelay site-summary`` and ``rtdelay pool``: multi-site analysis on count tables."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from rtdelay.cli._app import app, fail
from rtdelay.cli._engine import ENGINE_HELP, summary_with_engine


@app.command("site-summary")
def site_summary_cmd(
    cohort: Path = typer.Argument(..., help="The site's cohort file (csv, xlsx, sav, parquet)."),
    site: str = typer.Option(..., "--site", help="Site code written into the summary, e.g. HOSP1."),
    out: Path = typer.Option(..., "--out", help="The summary file to write (json)."),
    disclosure: str = typer.Option("default", "--disclosure", help="none, default (weekly bins, min cell 5), datashield (3), opensafely (<=7 redacted, rounded to 6), strict (10)."),
    mapping: Path | None = typer.Option(None, "--mapping", help="Column-mapping TOML."),
    date_order: str | None = typer.Option(None, "--date-order", help="dmy, mdy or ymd for non-ISO dates."),
    engine: str | None = typer.Option(None, "--engine", help=ENGINE_HELP),
) -> None:
    """Count tables of every survival analysis and Table 1 counts of one site, after disclosure control."""
    from rtdelay.atomic import atomic_write
    from rtdelay.cli._terminal import plain
    from rtdelay.errors import RtdelayError
    from rtdelay.scale import get_rule, site_summary
    from rtdelay.stats import jsonable

    try:
        get_rule(disclosure)
        if out.resolve() == cohort.resolve():
            fail("--out must not be the cohort file")
        if out.is_dir():
            fail(f"--out must be a file (site.json); {out} is a folder")
        if not out.parent.is_dir():
            fail(f"--out: the folder {out.parent} does not exist")
        if engine is not None:
            if mapping is not None or date_order is not None:
                fail("--engine reads a durations-form parquet/csv as it is: no --mapping or --date-order")
            doc = summary_with_engine(cohort, engine=engine, site=site, disclosure=disclosure)
        else:
            doc = site_summary(cohort, site=site, disclosure=disclosure, mapping=mapping, date_order=date_order)
    except RtdelayError as exc:
        fail(str(exc))
    atomic_write(out, json.dumps(jsonable(doc), indent=1, sort_keys=True) + "\n")
    rule = doc["disclosure"]
    typer.echo(
        plain(
            f"site {doc['site']}: {doc['n_patients']} patients, disclosure {rule['preset']} ({rule['description']}); "
            f"{len(doc['flags'])} flag(s); written {out}"
        )
    )


@app.command("pool")
def pool_cmd(
    summaries: list[Path] = typer.Argument(..., help="Site summary files (rtdelay site-summary)."),
    out: Path = typer.Option(..., "--out", help="Output folder: results.json, report.html, figures/."),
) -> None:
    """Pooled survival analysis of several sites' count tables (no patient rows)."""
    from rtdelay.cli._terminal import plain
    from rtdelay.errors import RtdelayError
    from rtdelay.report.outdir import output_folder
    from rtdelay.scale import load_summaries, pool_summaries, write_pool_outputs

    try:
        docs = load_summaries(list(summaries))
        results = pool_summaries(docs)
        with output_folder(out, inputs=summaries, command="rtdelay pool") as folder:
            paths = write_pool_outputs(folder, results, docs)
    except RtdelayError as exc:
        fail(str(exc))
    typer.echo(
        plain(
            f"pooled {len(docs)} site(s) ({', '.join(results['sites'])}), {results['n_patients']} patients; "
            f"report {paths['report']}"
        )
    )
