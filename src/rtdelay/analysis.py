"""The one analysis service: ``analyze(source, ...) -> AnalysisRun``.

Every front end (``rtdelay analyze``, ``rtdelay demo``, the web application) calls
:func:`analyze` or :func:`analyze_demo` and only presents what comes back. One call reads and
checks the cohort (and the complications table), applies the eligibility criteria, runs the
study (:func:`rtdelay.study.run`), makes the ``results.json`` document in memory
(:func:`rtdelay.report.analysis_document`) and, with ``out_dir``, writes every file through
:func:`write_outputs`, the only function here that touches the output folder.

Nothing is printed: slow steps are announced through the ``progress`` callback. Nothing is read
back from disk: the report is rendered from the results and the document in memory. Errors are
raised (``RtdelayError`` for unusable input, ``OSError``), never turned into exit codes. Rows
that fail a check are left out and reported (``run.validation``, ``quarantine.csv``); only a
file with no usable row at all raises.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

    from rtdelay.cohort import CohortData, ComplicationsValidation, ValidationResult
    from rtdelay.study import StudyResults

__all__ = [
    "COMPLICATIONS_QUARANTINE_NAME",
    "DATE_ORDERS",
    "INPUT_COHORT_NAME",
    "INPUT_COMPLICATIONS_NAME",
    "REPRODUCTION_NAME",
    "AnalysisOptions",
    "AnalysisRun",
    "Progress",
    "analyze",
    "analyze_demo",
    "write_outputs",
]

Progress = Callable[[str], None]
"""A progress callback: called with one short sentence before each slow step."""

DATE_ORDERS = ("dmy", "mdy", "ymd")
COMPLICATIONS_QUARANTINE_NAME = "complications_quarantine.csv"
REPRODUCTION_NAME = "reproduction.md"
INPUT_COHORT_NAME = "cohort.csv"
INPUT_COMPLICATIONS_NAME = "complications.csv"

ReproductionHook = Callable[[Mapping[str, Any]], Sequence[Mapping[str, Any]]]


@dataclasses.dataclass(frozen=True)
class AnalysisOptions:
    """Keyword options of one analysis run (all have the study's defaults).

    Attributes
    ----------
    sheet : str, optional
        Worksheet of an xlsx cohort file (default: the first).
    pbr_times : sequence of float
        Months at which the risk of progression before RT is read (article: 1, 3, 6).
    rate_time : float
        Months after the start of RT at which local control and survival are read (12).
    beyond : bool
        Also run the analyses beyond the article (current-status risk, competing risks, Cox
        models, landmark).
    report : bool
        With ``out_dir``: also write ``tables/``, ``figures/``, ``report.html`` and
        ``methods.md`` (else only results.json, cohort_included.csv and the quarantine files).
    synthetic : bool
        The input is the synthetic demo cohort: ``"synthetic": true`` in the document, a banner
        in the report and a stamp on every table, figure and csv row.
    notice : str, optional
        A sentence shown with the results (the demo's "synthetic cohort" notice).
    reproduction : callable, optional
        ``document -> rows`` of "article target vs value" (the demo's
        :func:`rtdelay.demo.reproduction_rows`); the rows go into the report and, with
        ``out_dir``, into ``reproduction.md``.
    copy_inputs : bool
        With ``out_dir``: copy the input files into it as ``cohort.csv`` and
        ``complications.csv`` (the demo does, so that its folder is complete).
    today : datetime.date, optional
        Date written in the run metadata (default: the day of the run).
    times : sequence of float
        Months after the start of RT of the rates in the survival tables and text (6, 12, 24).
    title, institution : str, optional
        Shown at the top of report.html and methods.md (default: a neutral title).
    complications_sheet : str, optional
        Worksheet of an xlsx complications table (``--complications FILE:SHEET``).
    """

    sheet: str | None = None
    pbr_times: tuple[float, ...] = (1.0, 3.0, 6.0)
    rate_time: float = 12.0
    beyond: bool = True
    report: bool = True
    synthetic: bool = False
    notice: str | None = None
    reproduction: ReproductionHook | None = None
    copy_inputs: bool = False
    today: dt.date | None = None
    times: tuple[float, ...] = (6.0, 12.0, 24.0)
    title: str | None = None
    institution: str | None = None
    complications_sheet: str | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class AnalysisRun:
    """Everything one analysis run produced.

    Attributes
    ----------
    source : pathlib.Path
        The cohort file analysed.
    complications_source : pathlib.Path or None
        The complications table analysed, when one was given.
    validation : ValidationResult
        Row checks of the cohort file (valid and rejected rows, issues).
    complications : ComplicationsValidation or None
        Row checks of the complications table, when one was given.
    flow : dict
        Eligibility flow: screened, exclusions by reason, included, by group.
    included : pandas.DataFrame
        The eligible patients in derived form.
    results : StudyResults
        Every number of the study (:func:`rtdelay.study.run`).
    document : dict
        The ``results.json`` document (the contract: see :func:`rtdelay.study.results_to_json`),
        with the run's ``metadata``, ``synthetic``, ``notice`` and ``validation`` blocks.
    reproduction_rows : list of dict or None
        Article target vs reproduced value (demo only).
    paths : dict
        Files written (empty without ``out_dir``): ``results``, ``included``, ``quarantine``,
        ``complications_quarantine`` (when rows were rejected), ``report``, ``methods``,
        ``tables`` and ``figures`` (``{name: {format: path}}``), ``flow_diagram``,
        ``reproduction``, ``cohort`` and ``complications`` (copied inputs).
    """

    source: Path
    complications_source: Path | None
    validation: ValidationResult
    complications: ComplicationsValidation | None
    flow: dict[str, Any]
    included: pd.DataFrame
    results: StudyResults
    document: dict[str, Any]
    reproduction_rows: list[dict[str, Any]] | None = None
    paths: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __repr__(self) -> str:
        v = self.validation
        return (
            f"AnalysisRun(source={self.source.name!r}, rows={v.n_rows}, rejected={v.n_rejected}, "
            f"included={self.results.n_patients}, notes={len(self.results.notes)}, "
            f"files={len(self.paths)})"
        )


def _silent(message: str) -> None:
    """Default progress callback: say nothing."""


def _check_complications(
    path: Path, data: CohortData, date_order: str | None, sheet: str | None = None
) -> ComplicationsValidation:
    """Read and check the complications table against the cohort's patient ids."""
    from rtdelay.cohort import load_table, validate_complications

    ids: list[str] = []
    for part in (data.validation.valid, data.validation.rejected):
        if "patient_id" in part.columns:
            ids += [str(v).strip() for v in part["patient_id"].dropna()]
    return validate_complications(load_table(path, sheet=sheet), patient_ids=ids, date_order=date_order)


def _copy(source: Path, target: Path) -> Path:
    """Copy an input file into the output folder (atomically; nothing to do onto itself)."""
    from rtdelay.atomic import atomic_write

    if target.exists() and target.resolve() == source.resolve():
        return target
    return atomic_write(target, source.read_bytes())


def _no_usable_row(source: Path, validation: ValidationResult, quarantine: Path | None) -> Exception:
    from rtdelay.errors import CohortError

    first = validation.errors[0].message if validation.errors else "no data row"
    where = f"; see {quarantine}" if quarantine is not None else ""
    return CohortError(
        f"no usable row in {source} ({validation.n_rejected} rejected; first problem: {first}){where}"
    )


def _no_eligible_patient(source: Path, validation: ValidationResult, flow: dict[str, Any]) -> Exception:
    from rtdelay.errors import CohortError

    excluded = {k: v for k, v in flow.get("exclusions", {}).items() if v}
    why = ", ".join(f"{flow.get('labels', {}).get(k, k).lower()} {v}" for k, v in excluded.items())
    return CohortError(
        f"no eligible patient in {source}: {validation.n_rows} row(s) read, "
        f"{validation.n_rejected} rejected at validation, {sum(excluded.values())} excluded"
        + (f" ({why})" if why else "")
        + "; nothing to analyse"
    )


def analyze(
    source: str | Path,
    *,
    mapping: str | Path | None = None,
    date_order: str | None = None,
    complications: str | Path | None = None,
    out_dir: str | Path | None = None,
    options: AnalysisOptions = AnalysisOptions(),
    progress: Progress | None = None,
) -> AnalysisRun:
    """Check a cohort file, apply the eligibility criteria and run every analysis of the study.

    Parameters
    ----------
    source : str or path-like
        Cohort file (csv/tsv/txt, xlsx, sav, parquet) as DATA_DICTIONARY.md describes it.
    mapping : str or path-like, optional
        Mapping file: the hospital's own column names and codes.
    date_order : {"dmy", "mdy"}, optional
        Order of ambiguous dates such as 03/04/2019.
    complications : str or path-like, optional
        Complications table (patient_id, phase, complication, date).
    out_dir : str or path-like, optional
        Folder for the run's files (see :func:`write_outputs`); nothing is written without it.
    options : AnalysisOptions
        Study and output options.
    progress : callable, optional
        Called with a short sentence before each slow step.

    Returns
    -------
    AnalysisRun

    Raises
    ------
    CohortError
        The file cannot be used at all (missing, not a table, a required column absent, no
        usable row); rows that fail a check are reported, not raised.
    InputError
        A bad option (``date_order``) or an unusable complications table.
    OSError
        A file cannot be read or written.
    """
    from rtdelay.cohort import read_cohort
    from rtdelay.errors import InputError
    from rtdelay.report import analysis_document
    from rtdelay.study import run

    if date_order is not None and date_order not in DATE_ORDERS:
        raise InputError(f"date_order must be one of {', '.join(DATE_ORDERS)}; got {date_order!r}")
    step = progress if progress is not None else _silent
    source = Path(source)
    comp_path = Path(complications) if complications is not None else None

    step(f"Reading and checking {source.name}")
    data = read_cohort(source, mapping=mapping, sheet=options.sheet, date_order=date_order)
    validation = data.validation
    if validation.n_valid == 0:
        written = write_outputs(out_dir, validation=validation) if out_dir is not None else {}
        raise _no_usable_row(source, validation, written.get("quarantine"))
    comp_check = None
    if comp_path is not None:
        step(f"Reading and checking {comp_path.name}")
        comp_check = _check_complications(comp_path, data, date_order, options.complications_sheet)

    flow = dict(data.eligibility.flow)
    included = data.eligibility.included
    if len(included) == 0:
        if out_dir is not None:
            write_outputs(out_dir, validation=validation)
        raise _no_eligible_patient(source, validation, flow)
    if comp_check is not None:
        flow["complication_rows"] = {
            "read": int(comp_check.n_rows),
            "rejected": len(comp_check.rejected),
            "rejection_reasons": comp_check.rejection_reasons(),
        }

    step("Running the study's analyses")
    results = run(
        included,
        complications=comp_check.valid if comp_check is not None else None,
        flow=flow,
        pbr_times=options.pbr_times,
        rate_time=options.rate_time,
        times=options.times,
        beyond=options.beyond,
    )
    document = analysis_document(
        results,
        validation=validation,
        source_path=source,
        synthetic=options.synthetic,
        notice=options.notice,
        complications_path=comp_path,
        flow=flow,
        today=options.today,
    )
    if data.raw is not None:  # what reading detected: sheet chosen, encoding guessed, values recoded
        document["load_notes"] = list(data.raw.notes)
    rows = [dict(r) for r in options.reproduction(document)] if options.reproduction is not None else None
    analysis = AnalysisRun(
        source=source,
        complications_source=comp_path,
        validation=validation,
        complications=comp_check,
        flow=flow,
        included=included,
        results=results,
        document=document,
        reproduction_rows=rows,
    )
    if out_dir is None:
        return analysis
    paths = write_outputs(
        out_dir, validation=validation, complications=comp_check, run=analysis, options=options, progress=step
    )
    return dataclasses.replace(analysis, paths=paths)


def write_outputs(
    out_dir: str | Path,
    *,
    validation: ValidationResult,
    complications: ComplicationsValidation | None = None,
    run: AnalysisRun | None = None,
    options: AnalysisOptions = AnalysisOptions(),
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write every file of one run into ``out_dir``: the only writer of the service.

    Parameters
    ----------
    out_dir : str or path-like
        Output folder (created if needed).
    validation : ValidationResult
        Row checks of the cohort: ``quarantine.csv`` (always written, empty when no row was
        rejected).
    complications : ComplicationsValidation, optional
        ``complications_quarantine.csv`` when some of its rows were rejected.
    run : AnalysisRun, optional
        The analysis: ``results.json`` (its document, as is), ``cohort_included.csv``, the
        report files when ``options.report``, ``reproduction.md`` when it has reproduction rows,
        and the copied inputs when ``options.copy_inputs``. Without it (a file with no usable
        row) only the quarantine is written.
    options : AnalysisOptions
    progress : callable, optional

    Returns
    -------
    dict
        Written paths, keyed as :attr:`AnalysisRun.paths`.
    """
    from rtdelay.report import QUARANTINE_NAME, write_analysis_outputs, write_report_outputs

    step = progress if progress is not None else _silent
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Any] = {}
    if complications is not None and len(complications.rejected):
        paths["complications_quarantine"] = complications.write_quarantine(out / COMPLICATIONS_QUARANTINE_NAME)
    if run is None:
        paths["quarantine"] = validation.write_quarantine(out / QUARANTINE_NAME)
        return paths
    step("Writing results.json, cohort_included.csv and quarantine.csv")
    paths.update(
        write_analysis_outputs(
            run.results,
            out_dir=out,
            included_frame=run.included,
            validation=validation,
            synthetic=options.synthetic,
            document=run.document,
        )
    )
    if options.copy_inputs:
        paths["cohort"] = _copy(run.source, out / INPUT_COHORT_NAME)
        if run.complications_source is not None:
            paths["complications"] = _copy(run.complications_source, out / INPUT_COMPLICATIONS_NAME)
    if options.report:
        paths.update(
            write_report_outputs(
                run.results,
                out_dir=out,
                metadata=run.document.get("metadata"),
                notice=options.notice,
                synthetic=options.synthetic,
                reproduction_rows=run.reproduction_rows,
                progress=step,
                title=options.title,
                institution=options.institution,
                load_notes=run.document.get("load_notes"),
            )
        )
    if run.reproduction_rows is not None:
        from rtdelay.demo import write_reproduction_md

        paths["reproduction"] = write_reproduction_md(run.reproduction_rows, out / REPRODUCTION_NAME)
    return paths


def analyze_demo(
    *,
    out_dir: str | Path | None = None,
    regenerate: bool = False,
    options: AnalysisOptions | None = None,
    progress: Progress | None = None,
) -> AnalysisRun:
    """Run :func:`analyze` on the calibrated synthetic demo cohort shipped with rtdelay.

    The run is marked synthetic (``"synthetic": true``, the notice
    :data:`rtdelay.demo.DEMO_NOTICE` on the report, every table, figure and csv row), carries
    the "paper vs demo" reproduction rows and, with ``out_dir``, also writes ``cohort.csv``,
    ``complications.csv`` (the inputs) and ``reproduction.md``.

    Parameters
    ----------
    out_dir : str or path-like, optional
        Output folder; nothing is written without it.
    regenerate : bool
        Rebuild the cohort with its seeded generator (15-60 s) instead of using the shipped
        copy; the same seed gives the same cohort.
    options : AnalysisOptions, optional
        Study options; ``synthetic``, ``notice``, ``reproduction`` and ``copy_inputs`` are set
        here.
    progress : callable, optional
        Called with a short sentence before each slow step.

    Returns
    -------
    AnalysisRun
    """
    import tempfile

    import rtdelay.demo as demo

    opts = dataclasses.replace(
        options if options is not None else AnalysisOptions(),
        synthetic=True,
        notice=str(demo.DEMO_NOTICE),
        reproduction=demo.reproduction_rows,
        copy_inputs=True,
    )
    step = progress if progress is not None else _silent
    if not regenerate:
        return analyze(
            demo.demo_cohort_path(),
            complications=demo.demo_complications_path(),
            out_dir=out_dir,
            options=opts,
            progress=progress,
        )
    with tempfile.TemporaryDirectory(prefix="rtdelay-demo-") as tmp:
        step("Generating the synthetic cohort (seeded, 15-60 s)")
        cohort, comp = Path(tmp) / INPUT_COHORT_NAME, Path(tmp) / INPUT_COMPLICATIONS_NAME
        demo.generate_demo_cohort(cohort_path=cohort, complications_path=comp)
        return analyze(cohort, complications=comp, out_dir=out_dir, options=opts, progress=progress)
