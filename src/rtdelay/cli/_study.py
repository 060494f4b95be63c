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

DATE_ORDERS = ("dmy", "mdy")


def _echo(text: str = "") -> None:
    """Print one line; data in it (ids, notes, paths) loses control and escape sequences."""
    from rtdelay.cli._terminal import plain

    typer.echo(plain(text))


def _progress(quiet: bool, text: str) -> None:
    """A progress line on a terminal's stderr (a large cohort's slow steps are not silent); none
    when stderr is a file or a pipe, where an error stays the only line."""
    import sys

    from rtdelay.cli._terminal import plain

    if not quiet and sys.stderr.isatty():
        sys.stderr.write(f"{plain(text)}...\n")
        sys.stderr.flush()


def _say(quiet: bool, text: str = "") -> None:
    if not quiet:
        _echo(text)


def _load_complications(path: Path, data: Any, *, out_dir: Path, date_order: str | None, quiet: bool) -> Any:
    """Read and check the complications table; rejected rows go to complications_quarantine.csv."""
    from rtdelay.cohort import load_table, validate_complications

    ids: list[str] = []
    for part in (data.validation.valid, data.validation.rejected):
        if "patient_id" in part.columns:
            ids += [str(v).strip() for v in part["patient_id"].dropna()]
    checked = validate_complications(load_table(path), patient_ids=ids, date_order=date_order)
    if len(checked.rejected):
        out_dir.mkdir(parents=True, exist_ok=True)
        target = checked.write_quarantine(out_dir / "complications_quarantine.csv")
        _say(quiet, f"Complications: {len(checked.rejected)} of {checked.n_rows} row(s) rejected, written to {target}:")
        for issue in checked.issues[:10]:
            _say(quiet, f"  {issue.message}")
        if len(checked.issues) > 10:
            _say(quiet, f"  ... and {len(checked.issues) - 10} more")
    return checked.valid


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
    """Load, validate, analyse and write; return the results.json document and paths.

    Raises ``RtdelayError`` (or ``OSError``) when the input cannot be used; the commands turn
    it into one line on stderr and exit code 2.
    """
    import json

    from rtdelay.cohort import read_cohort
    from rtdelay.errors import CohortError
    from rtdelay.report._outputs import write_analysis_outputs
    from rtdelay.study import run

    _progress(quiet, f"Reading and checking {cohort_path.name}")
    data = read_cohort(cohort_path, mapping=mapping, date_order=date_order)
    load_notes = list(getattr(data.raw, "notes", None) or [])
    for note in load_notes:
        _say(quiet, f"Read {cohort_path.name}: {note}")
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
    if complications_path is not None:
        complications = _load_complications(
            complications_path, data, out_dir=out_dir, date_order=date_order, quiet=quiet
        )
    flow = data.eligibility.flow
    included = data.eligibility.included
    _progress(quiet, f"Analysing {len(included)} included patients ({validation.n_rows} rows read)")
    results = run(included, complications=complications, flow=flow)
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
        load_notes=load_notes,
    )
    document = json.loads(paths["results"].read_text(encoding="utf-8"))
    if not quiet:
        _summary(document, validation, flow, paths)
    from rtdelay.report import write_report_outputs

    rows = reproduction(document) if reproduction is not None else None
    report = write_report_outputs(
        results, out_dir=out_dir, results_json=document, synthetic=synthetic, reproduction_rows=rows, quiet=quiet
    )
    return {"document": document, "paths": paths, "report": report}


def _summary(document: dict[str, Any], validation: Any, flow: dict[str, Any], paths: dict[str, Path]) -> None:
    from rtdelay.report.formatting import format_p, format_percent

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
    _echo(f"Written: {', '.join(str(p) for p in paths.values())}")


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
    cohort: Path = typer.Argument(..., help="Cohort file (csv, xlsx, sav, parquet) as DATA_DICTIONARY.md."),
    complications: Path | None = typer.Option(
        None, "--complications", help="Complications table (patient_id, phase, complication, date)."
    ),
    mapping: Path | None = typer.Option(None, "--mapping", help="Mapping file (own column names and codes)."),
    date_order: str | None = typer.Option(None, "--date-order", help="Order of ambiguous dates: dmy or mdy."),
    out: str = typer.Option("rtdelay-output", "--out", help="Output folder."),
    quiet: bool = typer.Option(False, "--quiet", help="Print nothing on success."),
) -> None:
    """Check a cohort, apply the study's eligibility criteria and run every analysis.

    Writes OUT/results.json, OUT/cohort_included.csv and OUT/quarantine.csv (rejected rows with
    their reasons). Exit 0 when the analysis ran, even if some rows were rejected (they are in
    quarantine.csv); exit 2 when the file cannot be used.
    """
    if date_order is not None and date_order not in DATE_ORDERS:
        fail(f"--date-order must be one of {', '.join(DATE_ORDERS)}; got {date_order!r}")
    folder = _out_folder(out)
    _guard(
        _in_output_folder,
        folder,
        [cohort, complications, mapping],
        "analyze",
        run_analysis,
        cohort,
        out_dir=folder,
        complications_path=complications,
        mapping=mapping,
        date_order=date_order,
        quiet=quiet,
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


def _demo(out: Path, regenerate: bool, quiet: bool) -> None:
    import rtdelay.demo as demo_pkg

    cohort_path, comp_path = _demo_files(out, regenerate)
    notice = str(demo_pkg.DEMO_NOTICE)
    _say(quiet, notice)
    result = run_analysis(
        cohort_path, out_dir=out, complications_path=comp_path, quiet=quiet, synthetic=True, notice=notice,
        reproduction=getattr(demo_pkg, "reproduction_rows", None),
    )
    reproduction = out / "reproduction.md"
    demo_pkg.write_reproduction_md(result["document"], reproduction)
    _say(quiet, f"Paper vs demo: {reproduction}")
    _say(quiet, notice)


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
    folder = _out_folder(out)
    _guard(_in_output_folder, folder, [], "demo", _demo, folder, regenerate, quiet)
