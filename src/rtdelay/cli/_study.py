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
from rtdelay.cli._engine import ENGINE_HELP

__all__ = ["analyze", "demo", "run_analysis"]

DATE_ORDERS = ("dmy", "mdy", "ymd")


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


COMPLICATIONS_SHEET = "complications"
WRITTEN = (
    "Writes into OUT: report.html (self-contained report), results.json (every number), "
    "methods.md, tables/ (Tables 1-5 and the beyond-the-article tables as csv, md, html, docx, tex), "
    "figures/ (Figs 2-7, the Cox forest plot among them, as png, svg, pdf; flow diagram as svg), "
    "cohort_included.csv and quarantine.csv (rejected rows with their reasons)."
)
DICTIONARY_HINT = "docs/data-dictionary.md in the rtdelay repository, or 'rtdelay dictionary'"


def _workbook_sheets(path: Path) -> list[str]:
    if path.suffix.lower() not in (".xlsx", ".xlsm") or not path.is_file():
        return []
    try:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        try:
            return list(book.sheetnames)
        finally:
            book.close()
    except Exception:  # an unreadable workbook is reported by the cohort reader itself
        return []


def split_sheet(spec: Path) -> tuple[Path, str | None]:
    """``FILE[:SHEET]`` -> (FILE, SHEET); a path that exists as given is never split."""
    text = str(spec)
    if spec.exists() or ":" not in text:
        return spec, None
    head, _, sheet = text.rpartition(":")
    if not head or not sheet or len(head) == 1:  # "C:\\..." style drive letters are not sheets
        return spec, None
    return Path(head), sheet


def complications_source(given: Path | None, cohort_path: Path) -> tuple[Path | None, str | None]:
    """The complications table: ``--complications FILE[:SHEET]``, else the sheet named
    ``complications`` of the cohort workbook when it has one with data rows."""
    if given is not None:
        return split_sheet(given)
    if COMPLICATIONS_SHEET not in _workbook_sheets(cohort_path):
        return None, None
    from rtdelay.cohort import load_table
    from rtdelay.errors import CohortError

    try:
        load_table(cohort_path, sheet=COMPLICATIONS_SHEET)
    except CohortError:  # the template's empty complications sheet: nothing to read
        return None, None
    return cohort_path, COMPLICATIONS_SHEET


def check_out_folder(out: Path) -> None:
    """``--out`` names a folder: an existing file there is a clear error, not a crash."""
    if out.exists() and not out.is_dir():
        fail(f"--out must be a folder; {out} is a file")


def _options(config: Path | None, title: str | None, institution: str | None, times: str | None) -> Any:
    from rtdelay.cli._report_options import report_options

    return report_options(config=config, title=title, institution=institution, times=times)


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
    if getattr(validation, "recoded_note", None):
        _echo(f"  note: {validation.recoded_note}")
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


@app.command("analyze", help=(
    "Check a cohort, apply the study's eligibility criteria and run every analysis. " + WRITTEN + " "
    "Exit 0 when the analysis ran, even if some rows were rejected (they are in quarantine.csv); "
    "exit 2 when the file cannot be used. The columns are described in " + DICTIONARY_HINT + "."
))
def analyze(
    cohort: str | None = typer.Argument(
        None, help="Cohort file (csv, xlsx, sav, parquet), columns as 'rtdelay dictionary' lists; with --registry, the database URL."
    ),
    complications: Path | None = typer.Option(
        None, "--complications", metavar="FILE[:SHEET]",
        help="Complications table (patient_id, phase, complication, date); default: the sheet "
        "'complications' of the cohort workbook when it has rows.",
    ),
    mapping: Path | None = typer.Option(None, "--mapping", help="Mapping file (own column names and codes)."),
    date_order: str | None = typer.Option(None, "--date-order", help="Order of non-ISO dates: dmy, mdy or ymd."),
    out: str = typer.Option("rtdelay-output", "--out", help="Output folder."),
    times: str | None = typer.Option(None, "--times", help="Months of the survival rates, e.g. 6,12,24 (default)."),
    title: str | None = typer.Option(None, "--title", help="Title of the report."),
    institution: str | None = typer.Option(None, "--institution", help="Institution shown under the title."),
    config: Path | None = typer.Option(None, "--config", help="TOML file with title, institution, times."),
    quiet: bool = typer.Option(False, "--quiet", help="Print nothing on success."),
    registry: bool = typer.Option(False, "--registry", help="Analyse the registry (URL as argument, optional)."),
    site: str | None = typer.Option(None, "--site", help="With --registry: only this site."),
    engine: str | None = typer.Option(None, "--engine", help=ENGINE_HELP),
    site_column: str | None = typer.Option(
        None, "--site-column", help="With --engine: column of the site code (site-stratified log-rank tests)."
    ),
) -> None:
    import dataclasses

    from rtdelay.analysis import AnalysisOptions
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
    if engine is not None:
        from rtdelay.cli._engine import analyze_with_engine

        analyze_with_engine(cohort, engine=engine, out=_out_folder(out), site_column=site_column, quiet=quiet)
        return
    if site_column is not None:
        fail("--site-column is an option of --engine")
    folder = _out_folder(out)
    check_out_folder(folder)
    report = _options(config, title, institution, times)
    comp_path, comp_sheet = complications_source(complications, Path(cohort))
    if comp_path is not None and complications is None and not quiet:
        typer.echo(f"Complications: read from the sheet {COMPLICATIONS_SHEET!r} of {Path(cohort).name}")
    options = dataclasses.replace(
        AnalysisOptions(), times=report.times, title=report.title, institution=report.institution,
        complications_sheet=comp_sheet,
    )
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
            complications=comp_path,
            out_dir=folder,
            options=options,
            progress=progress,
        )
    if not quiet:
        _summary(run)


@app.command("demo", help=(
    "Run every analysis on the calibrated synthetic demo cohort (not patient data). " + WRITTEN + " "
    "Also OUT/cohort.csv and OUT/complications.csv (the synthetic data) and OUT/reproduction.md "
    "(the article's numbers against the reproduced ones)."
))
def demo(
    out: str = typer.Option("rtdelay-demo", "--out", help="Output folder."),
    regenerate: bool = typer.Option(
        False, "--regenerate", help="Rebuild the synthetic cohort with its generator instead of the shipped copy."
    ),
    times: str | None = typer.Option(None, "--times", help="Months of the survival rates, e.g. 6,12,24 (default)."),
    title: str | None = typer.Option(None, "--title", help="Title of the report."),
    institution: str | None = typer.Option(None, "--institution", help="Institution shown under the title."),
    config: Path | None = typer.Option(None, "--config", help="TOML file with title, institution, times."),
    quiet: bool = typer.Option(False, "--quiet", help="Print nothing on success."),
) -> None:
    from rtdelay.analysis import AnalysisOptions, analyze_demo
    from rtdelay.demo import DEMO_NOTICE

    folder = _out_folder(out)
    check_out_folder(folder)
    report = _options(config, title, institution, times)
    options = AnalysisOptions(times=report.times, title=report.title, institution=report.institution)
    if not quiet:
        typer.echo(DEMO_NOTICE)  # once: the report, the tables and the figures carry it too
    with _RichProgress(quiet) as progress:
        run = _guard(
            _in_output_folder, folder, [], "demo", analyze_demo, out_dir=folder, regenerate=regenerate,
            options=options, progress=progress,
        )
    if not quiet:
        _summary(run)
        typer.echo(f"Paper vs demo: {run.paths['reproduction']}")
