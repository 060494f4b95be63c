"""``rtdelay analyze`` and ``rtdelay demo``: run the seed study on a cohort file.

``analyze`` loads and validates the cohort, writes rejected rows to ``quarantine.csv``, applies
the eligibility criteria, runs :func:`rtdelay.study.run` and writes ``results.json`` and
``cohort_included.csv``. Exit codes: 0 when the analysis ran, **also when some rows were
rejected** (the valid rows are analysed; the screen says how many rows went to quarantine);
2 when the file cannot be used at all (one line on stderr, no traceback). Analyses that the
data cannot support (no PBR patient, one operation type...) give null numbers and a note.

``demo`` does the same on the calibrated synthetic cohort shipped with rtdelay and adds
``cohort.csv``, ``complications.csv`` and ``reproduction.md`` (paper vs demo numbers).

Heavy imports (pandas, the statistics) happen inside the command functions.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import typer

from rtdelay.cli._app import app, fail

__all__ = ["analyze", "demo", "run_analysis"]

DATE_ORDERS = ("dmy", "mdy", "ymd")


def _say(quiet: bool, text: str = "") -> None:
    if not quiet:
        typer.echo(text)


def _load_complications(
    path: Path, data: Any, *, out_dir: Path, date_order: str | None, quiet: bool, sheet: str | None = None
) -> Any:
    """Read and check the complications table; rejected rows go to complications_quarantine.csv."""
    from rtdelay.cohort import load_table, validate_complications

    ids: list[str] = []
    for part in (data.validation.valid, data.validation.rejected):
        if "patient_id" in part.columns:
            ids += [str(v).strip() for v in part["patient_id"].dropna()]
    checked = validate_complications(load_table(path, sheet=sheet), patient_ids=ids, date_order=date_order)
    if len(checked.rejected):
        out_dir.mkdir(parents=True, exist_ok=True)
        target = checked.write_quarantine(out_dir / "complications_quarantine.csv")
        _say(quiet, f"Complications: {len(checked.rejected)} of {checked.n_rows} row(s) rejected, written to {target}:")
        for issue in checked.issues[:10]:
            _say(quiet, f"  {issue.message}")
        if len(checked.issues) > 10:
            _say(quiet, f"  ... and {len(checked.issues) - 10} more")
    return checked.valid


COMPLICATIONS_SHEET = "complications"


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


def _complications_source(given: Path | None, cohort_path: Path, *, quiet: bool) -> tuple[Path | None, str | None]:
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
    _say(quiet, f"Complications: read from the sheet {COMPLICATIONS_SHEET!r} of {cohort_path.name}")
    return cohort_path, COMPLICATIONS_SHEET


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
    options: Any = None,
) -> dict[str, Any]:
    """Load, validate, analyse and write; return the results.json document and paths.

    Raises ``RtdelayError`` (or ``OSError``) when the input cannot be used; the commands turn
    it into one line on stderr and exit code 2.
    """
    import json

    from rtdelay.cohort import read_cohort
    from rtdelay.errors import CohortError
    from rtdelay.report._outputs import write_analysis_outputs
    from rtdelay.study import run

    data = read_cohort(cohort_path, mapping=mapping, date_order=date_order)
    validation = data.validation
    if validation.n_valid == 0:
        out_dir.mkdir(parents=True, exist_ok=True)
        validation.write_quarantine(out_dir / "quarantine.csv")
        first = validation.errors[0].message if validation.errors else "no data row"
        raise CohortError(
            f"no usable row in {cohort_path} ({validation.n_rejected} rejected; first problem: "
            f"{first}); see {out_dir / 'quarantine.csv'}"
        )
    complications = None
    complications_path, sheet = _complications_source(complications_path, cohort_path, quiet=quiet)
    if complications_path is not None:
        complications = _load_complications(
            complications_path, data, out_dir=out_dir, date_order=date_order, quiet=quiet, sheet=sheet
        )
    flow = data.eligibility.flow
    included = data.eligibility.included
    times = tuple(options.times) if options is not None else (6.0, 12.0, 24.0)
    results = run(included, complications=complications, flow=flow, times=times)
    paths = write_analysis_outputs(
        results,
        out_dir=out_dir,
        included_frame=included,
        validation=validation,
        source_path=cohort_path,
        synthetic=synthetic,
        notice=notice,
        complications_path=complications_path,
        flow=flow,
    )
    document = json.loads(paths["results"].read_text(encoding="utf-8"))
    if not quiet:
        _summary(document, validation, flow, paths)
    from rtdelay.report import write_report_outputs

    rows = reproduction(document) if reproduction is not None else None
    report = write_report_outputs(
        results, out_dir=out_dir, results_json=document, synthetic=synthetic, reproduction_rows=rows, quiet=quiet,
        title=getattr(options, "title", None), institution=getattr(options, "institution", None),
    )
    return {"document": document, "paths": paths, "report": report}


def _summary(document: dict[str, Any], validation: Any, flow: dict[str, Any], paths: dict[str, Path]) -> None:
    from rtdelay.report.formatting import format_p, format_percent

    labels = flow.get("labels", {})
    typer.echo(f"Rows read: {validation.n_rows}  valid: {validation.n_valid}  rejected: {validation.n_rejected}")
    if getattr(validation, "recoded_note", None):
        typer.echo(f"  note: {validation.recoded_note}")
    if validation.n_rejected:
        typer.echo(
            f"  {validation.n_rejected} row(s) rejected and written to {paths.get('quarantine')}; "
            "the valid rows were analysed."
        )
    excluded = {k: v for k, v in flow.get("exclusions", {}).items() if v}
    for key, count in excluded.items():
        typer.echo(f"  excluded, {labels.get(key, key)}: {count}")
    by_group = flow.get("by_group", {})
    typer.echo(
        f"Included: {flow.get('included')} (PBR {by_group.get('PBR', 0)}, NPBR {by_group.get('NPBR', 0)})"
    )
    risk = document.get("pbr_cumulative_risk") or {}
    if risk:
        parts = ", ".join(f"{k} mo {format_percent(v)}" for k, v in risk.items())
        typer.echo(f"Risk of progression before RT (Kaplan-Meier): {parts}")
    for key, name in (("lc", "Local control"), ("os", "Overall survival")):
        rates = document.get(f"{key}_1y") or {}
        typer.echo(
            f"{name} at 1 year: PBR {format_percent(rates.get('PBR'))}, "
            f"NPBR {format_percent(rates.get('NPBR'))}, "
            f"log-rank {format_p(document.get(f'{key}_logrank_p'))}"
        )
    beyond = document.get("beyond_the_article") or {}
    waiting = beyond.get("waiting_risk") or {}
    if waiting.get("npmle"):
        parts = ", ".join(f"{k} mo {format_percent(v)}" for k, v in waiting["npmle"].items())
        typer.echo(f"Risk of progression before RT (current-status NPMLE, beyond the article): {parts}")
        if waiting.get("diverges"):
            typer.echo(
                "  Warning: the article's Kaplan-Meier risk and the current-status estimate differ by more "
                "than 5 points; see the report's 'Beyond the article' section."
            )
    notes = document.get("notes") or []
    if notes:
        typer.echo(f"Notes ({len(notes)}):")
        for note in notes:
            typer.echo(f"  - {note}")
    typer.echo(f"Written: {', '.join(str(p) for p in paths.values())}")


def _guard(func: Any, *args: Any, **kwargs: Any) -> Any:
    """Run ``func``; turn an unusable input into one line on stderr and exit code 2."""
    from rtdelay.errors import RtdelayError

    try:
        return func(*args, **kwargs)
    except RtdelayError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))


WRITTEN = (
    "Writes into OUT: report.html (self-contained report), results.json (every number), "
    "methods.md, tables/ (Tables 1-5 and the beyond-the-article tables as csv, md, html, docx, tex), "
    "figures/ (Figs 2-6, flow diagram, Cox forest and Schoenfeld plots as png, svg, pdf), "
    "cohort_included.csv and quarantine.csv (rejected rows with their reasons)."
)
DICTIONARY_HINT = "docs/data-dictionary.md in the rtdelay repository, or 'rtdelay dictionary'"


def check_out_folder(out: Path) -> None:
    """``--out`` names a folder: an existing file there is a clear error, not a crash."""
    if out.exists() and not out.is_dir():
        fail(f"--out must be a folder; {out} is a file")


def _options(config: Path | None, title: str | None, institution: str | None, times: str | None) -> Any:
    from rtdelay.cli._report_options import report_options

    return report_options(config=config, title=title, institution=institution, times=times)


@app.command("analyze", help=(
    "Check a cohort, apply the study's eligibility criteria and run every analysis. " + WRITTEN + " "
    "Exit 0 when the analysis ran, even if some rows were rejected (they are in quarantine.csv); "
    "exit 2 when the file cannot be used. The columns are described in " + DICTIONARY_HINT + "."
))
def analyze(
    cohort: Path = typer.Argument(..., help="Cohort file (csv, xlsx, sav, parquet); columns as 'rtdelay dictionary' lists."),
    complications: Path | None = typer.Option(
        None, "--complications", metavar="FILE[:SHEET]",
        help="Complications table (patient_id, phase, complication, date); default: the sheet "
        "'complications' of the cohort workbook when it has rows.",
    ),
    mapping: Path | None = typer.Option(None, "--mapping", help="Mapping file (own column names and codes)."),
    date_order: str | None = typer.Option(None, "--date-order", help="Order of non-ISO dates: dmy, mdy or ymd."),
    out: Path = typer.Option(Path("rtdelay-output"), "--out", help="Output folder."),
    times: str | None = typer.Option(None, "--times", help="Months of the survival rates, e.g. 6,12,24 (default)."),
    title: str | None = typer.Option(None, "--title", help="Title of the report."),
    institution: str | None = typer.Option(None, "--institution", help="Institution shown under the title."),
    config: Path | None = typer.Option(None, "--config", help="TOML file with title, institution, times."),
    quiet: bool = typer.Option(False, "--quiet", help="Print nothing on success."),
) -> None:
    if date_order is not None and date_order not in DATE_ORDERS:
        fail(f"--date-order must be one of {', '.join(DATE_ORDERS)}; got {date_order!r}")
    check_out_folder(out)
    options = _options(config, title, institution, times)
    _guard(
        run_analysis,
        cohort,
        out_dir=out,
        complications_path=complications,
        mapping=mapping,
        date_order=date_order,
        quiet=quiet,
        options=options,
    )


def _demo_files(out: Path, regenerate: bool) -> tuple[Path, Path]:
    import rtdelay.demo as demo_pkg

    out.mkdir(parents=True, exist_ok=True)
    cohort_target, comp_target = out / "cohort.csv", out / "complications.csv"
    if regenerate:
        demo_pkg.generate_demo_cohort(cohort_path=cohort_target, complications_path=comp_target)
    else:
        shutil.copyfile(demo_pkg.demo_cohort_path(), cohort_target)
        shutil.copyfile(demo_pkg.demo_complications_path(), comp_target)
    return cohort_target, comp_target


def _demo(out: Path, regenerate: bool, quiet: bool, options: Any = None) -> None:
    import rtdelay.demo as demo_pkg

    cohort_path, comp_path = _demo_files(out, regenerate)
    notice = str(demo_pkg.DEMO_NOTICE)
    _say(quiet, notice)
    result = run_analysis(
        cohort_path, out_dir=out, complications_path=comp_path, quiet=quiet, synthetic=True, notice=notice,
        reproduction=getattr(demo_pkg, "reproduction_rows", None), options=options,
    )
    reproduction = out / "reproduction.md"
    demo_pkg.write_reproduction_md(result["document"], reproduction)
    _say(quiet, f"Paper vs demo: {reproduction}")


@app.command("demo", help=(
    "Run every analysis on the calibrated synthetic demo cohort (not patient data). " + WRITTEN + " "
    "Also OUT/cohort.csv and OUT/complications.csv (the synthetic data) and OUT/reproduction.md "
    "(the article's numbers against the reproduced ones)."
))
def demo(
    out: Path = typer.Option(Path("rtdelay-demo"), "--out", help="Output folder."),
    regenerate: bool = typer.Option(
        False, "--regenerate", help="Rebuild the synthetic cohort with its generator instead of the shipped copy."
    ),
    times: str | None = typer.Option(None, "--times", help="Months of the survival rates, e.g. 6,12,24 (default)."),
    title: str | None = typer.Option(None, "--title", help="Title of the report."),
    institution: str | None = typer.Option(None, "--institution", help="Institution shown under the title."),
    config: Path | None = typer.Option(None, "--config", help="TOML file with title, institution, times."),
    quiet: bool = typer.Option(False, "--quiet", help="Print nothing on success."),
) -> None:
    check_out_folder(out)
    _guard(_demo, out, regenerate, quiet, _options(config, title, institution, times))
