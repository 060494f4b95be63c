"""``rtdelay analyze`` and ``rtdelay demo``: run the seed study on a cohort file.

Both commands parse their options, call :mod:`rtdelay.analysis` (which reads, checks,
analyses and writes), print what came back and map errors to exit codes. Exit codes: 0 when
the analysis ran, **also when some rows were rejected** (the valid rows are analysed; the
screen says how many rows went to quarantine); 2 when the file cannot be used at all (one line
on stderr, no traceback). Analyses that the data cannot support (no PBR patient, one operation
type...) give null numbers and a note.

Progress is a transient rich spinner on stderr (nothing with ``--quiet`` or off a terminal);
the summary goes to stdout.
Heavy imports (pandas, the statistics) happen inside the command functions.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from rtdelay.cli._app import app, fail

__all__ = ["analyze", "demo", "run_analysis"]

DATE_ORDERS = ("dmy", "mdy")


def _echo(text: str = "") -> None:
    """Print one line; data in it (ids, notes, paths) loses control and escape sequences."""
    from rtdelay.cli._terminal import plain

    typer.echo(plain(text))


class _RichProgress:
    """Progress callback drawn with rich on stderr: a spinner with the step and elapsed seconds.

    The spinner is transient: it shows on a terminal while the run lasts and leaves nothing
    behind, so that the screen (and a log, where nothing is drawn) keeps only the summary or
    the one-line error.
    """

    def __init__(self, quiet: bool) -> None:
        self.status: Any = None
        if not quiet:
            from rich.console import Console

            self.status = Console(stderr=True, highlight=False).status("Starting")
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.status is not None:
            self.status.update(f"{message} [dim]({time.perf_counter() - self.start:.0f} s)[/dim]")

    def __enter__(self) -> _RichProgress:
        if self.status is not None:
            self.status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.stop()


def run_analysis(
    cohort_path: Path,
    *,
    out_dir: Path,
    complications_path: Path | None = None,
    mapping: Path | None = None,
    date_order: str | None = None,
    quiet: bool = False,
    synthetic: bool = False,
    notice: str | None = None,
    reproduction: Any = None,
) -> dict[str, Any]:
    """Kept for callers of the old name: :func:`rtdelay.analysis.analyze`, as a dict.

    Returns ``{"document": results.json document, "paths": written paths, "run": AnalysisRun}``.
    """
    from rtdelay.analysis import AnalysisOptions, analyze

    options = AnalysisOptions(synthetic=synthetic, notice=notice, reproduction=reproduction)
    with _RichProgress(quiet) as progress:
        run = analyze(
            cohort_path,
            mapping=mapping,
            date_order=date_order,
            complications=complications_path,
            out_dir=out_dir,
            options=options,
            progress=progress,
        )
    return {"document": run.document, "paths": run.paths, "run": run}


def _complications_lines(run: Any) -> list[str]:
    checked = run.complications
    if checked is None or not len(checked.rejected):
        return []
    lines = [
        f"Complications: {len(checked.rejected)} of {checked.n_rows} row(s) rejected, written to "
        f"{run.paths.get('complications_quarantine', 'complications_quarantine.csv')}:"
    ]
    lines += [f"  {issue.message}" for issue in checked.issues[:10]]
    if len(checked.issues) > 10:
        lines.append(f"  ... and {len(checked.issues) - 10} more")
    return lines


def _summary(run: Any) -> None:
    from rtdelay.report.formatting import format_p, format_percent

    document, validation, flow, paths = run.document, run.validation, run.flow, run.paths
    for line in _complications_lines(run):
        _echo(line)
    for note in document.get("load_notes") or []:
        _echo(f"Read {run.source.name}: {note}")
    labels = flow.get("labels", {})
    _echo(f"Rows read: {validation.n_rows}  valid: {validation.n_valid}  rejected: {validation.n_rejected}")
    if validation.n_rejected:
        _echo(
            f"  {validation.n_rejected} row(s) rejected and written to {paths.get('quarantine')}; "
            "the valid rows were analysed."
        )
    excluded = {k: v for k, v in flow.get("exclusions", {}).items() if v}
    for key, count in excluded.items():
        _echo(f"  excluded, {labels.get(key, key)}: {count}")
    by_group = flow.get("by_group", {})
    _echo(
        f"Included: {flow.get('included')} (PBR {by_group.get('PBR', 0)}, NPBR {by_group.get('NPBR', 0)})"
    )
    risk = document.get("pbr_cumulative_risk") or {}
    if risk:
        parts = ", ".join(f"{k} mo {format_percent(v)}" for k, v in risk.items())
        _echo(f"Risk of progression before RT (Kaplan-Meier): {parts}")
    for key, name in (("lc", "Local control"), ("os", "Overall survival")):
        rates = document.get(f"{key}_1y") or {}
        _echo(
            f"{name} at 1 year: PBR {format_percent(rates.get('PBR'))}, "
            f"NPBR {format_percent(rates.get('NPBR'))}, "
            f"log-rank {format_p(document.get(f'{key}_logrank_p'))}"
        )
    beyond = document.get("beyond_the_article") or {}
    waiting = beyond.get("waiting_risk") or {}
    if waiting.get("npmle"):
        parts = ", ".join(f"{k} mo {format_percent(v)}" for k, v in waiting["npmle"].items())
        _echo(f"Risk of progression before RT (current-status NPMLE, beyond the article): {parts}")
        if waiting.get("diverges"):
            _echo(
                "  Warning: the article's Kaplan-Meier risk and the current-status estimate differ by more "
                "than 5 points; see the report's 'Beyond the article' section."
            )
    notes = document.get("notes") or []
    if notes:
        _echo(f"Notes ({len(notes)}):")
        for note in notes:
            _echo(f"  - {note}")
    main = [p for key, p in paths.items() if key in ("results", "included", "quarantine")]
    _echo(f"Written: {', '.join(str(p) for p in main)}")
    if "report" in paths:
        _echo(f"Report: {paths['report']}")


def _in_output_folder(out: Path, inputs: list[Path | None], command: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``func`` inside the guarded output folder (see :mod:`rtdelay.report.outdir`)."""
    from rtdelay.report.outdir import output_folder

    with output_folder(out, inputs=inputs, command=command):
        return func(*args, **kwargs)


def _out_folder(out: str) -> Path:
    """``--out`` as a path: an empty name is refused (``Path("")`` would be the current folder)."""
    from rtdelay.cli._safety import set_output_folder

    if out.strip() == "":
        fail("--out needs a folder name (got an empty string)")
    set_output_folder(out)
    return Path(out)


def _guard(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``func``; turn an unusable input into one line on stderr and exit code 2."""
    from rtdelay.errors import RtdelayError

    try:
        return func(*args, **kwargs)
    except RtdelayError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))


@app.command("analyze")
def analyze(
    cohort: str | None = typer.Argument(
        None, help="Cohort file (csv, xlsx, sav, parquet) as DATA_DICTIONARY.md; with --registry, the database URL."
    ),
    complications: Path | None = typer.Option(
        None, "--complications", help="Complications table (patient_id, phase, complication, date)."
    ),
    mapping: Path | None = typer.Option(None, "--mapping", help="Mapping file (own column names and codes)."),
    date_order: str | None = typer.Option(None, "--date-order", help="Order of ambiguous dates: dmy or mdy."),
    out: str = typer.Option("rtdelay-output", "--out", help="Output folder."),
    quiet: bool = typer.Option(False, "--quiet", help="Print nothing on success."),
    registry: bool = typer.Option(False, "--registry", help="Analyse the registry (URL as argument, optional)."),
    site: str | None = typer.Option(None, "--site", help="With --registry: only this site."),
) -> None:
    """Check a cohort, apply the study's eligibility criteria and run every analysis.

    Writes OUT/results.json, OUT/cohort_included.csv and OUT/quarantine.csv (rejected rows with
    their reasons). Exit 0 when the analysis ran, even if some rows were rejected (they are in
    quarantine.csv); exit 2 when the file cannot be used.
    """
    from rtdelay.analysis import analyze as run_service

    if date_order is not None and date_order not in DATE_ORDERS:
        fail(f"--date-order must be one of {', '.join(DATE_ORDERS)}; got {date_order!r}")
    if registry or site is not None:
        if not registry:
            fail("--site is an option of --registry: rtdelay analyze --registry [URL] --site S")
        from rtdelay.cli._registry import analyze_registry

        analyze_registry(cohort, site=site, out=_out_folder(out), quiet=quiet)
        return
    if cohort is None:
        fail("give a COHORT file to analyse (or --registry [URL])")
    folder = _out_folder(out)
    with _RichProgress(quiet) as progress:
        run = _guard(
            _in_output_folder,
            folder,
            [cohort, complications, mapping],
            "analyze",
            run_service,
            cohort,
            mapping=mapping,
            date_order=date_order,
            complications=complications,
            out_dir=folder,
            progress=progress,
        )
    if not quiet:
        _summary(run)


@app.command("demo")
def demo(
    out: str = typer.Option("rtdelay-demo", "--out", help="Output folder."),
    regenerate: bool = typer.Option(
        False, "--regenerate", help="Rebuild the synthetic cohort with its generator instead of the shipped copy."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="Print nothing on success."),
) -> None:
    """Run every analysis on the calibrated synthetic demo cohort (not patient data).

    Writes OUT/cohort.csv, OUT/complications.csv, OUT/results.json (with "synthetic": true and
    the notice), OUT/cohort_included.csv, OUT/quarantine.csv and OUT/reproduction.md.
    """
    from rtdelay.analysis import analyze_demo
    from rtdelay.demo import DEMO_NOTICE

    folder = _out_folder(out)
    if not quiet:
        typer.echo(DEMO_NOTICE)
    with _RichProgress(quiet) as progress:
        run = _guard(
            _in_output_folder, folder, [], "demo", analyze_demo, out_dir=folder, regenerate=regenerate,
            progress=progress,
        )
    if not quiet:
        _summary(run)
        typer.echo(f"Paper vs demo: {run.paths['reproduction']}")
        typer.echo(DEMO_NOTICE)
