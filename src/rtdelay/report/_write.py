"""Write the publication outputs of one run: tables/, figures/, report.html, methods.md.

``results.json``, ``cohort_included.csv`` and ``quarantine.csv`` are written by
:func:`rtdelay.report.write_analysis_outputs`; the command line calls both. Progress of the slow
steps goes to stderr through rich (nothing when ``quiet``); the last line printed names the
report's path.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rtdelay.study import StudyResults

__all__ = ["write_report_outputs", "REPORT_NAME", "METHODS_NAME", "TABLES_DIR", "FIGURES_DIR"]

REPORT_NAME = "report.html"
METHODS_NAME = "methods.md"
TABLES_DIR = "tables"
FIGURES_DIR = "figures"
FLOW_NAME = "flow_diagram.svg"
SYNTHETIC_STAMP = "Synthetic demo cohort: not patient data"
"""Short label stamped on every table, figure and text made from the demo cohort."""


def _load_document(results_json: str | Path | Mapping[str, Any] | None) -> dict[str, Any]:
    if results_json is None:
        return {}
    if isinstance(results_json, Mapping):
        return dict(results_json)
    path = Path(results_json)
    if not path.is_file():
        return {}
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


class _Progress:
    def __init__(self, quiet: bool) -> None:
        self.console = None
        if not quiet:
            from rich.console import Console

            self.console = Console(stderr=True, highlight=False)
        self.start = time.perf_counter()

    def step(self, message: str) -> None:
        if self.console is not None:
            self.console.print(f"[dim]{time.perf_counter() - self.start:5.1f}s[/dim] {message}")

    def last(self, message: str) -> None:
        if self.console is not None:
            self.console.print(message, soft_wrap=True)


def write_report_outputs(
    results: StudyResults,
    *,
    out_dir: str | Path,
    results_json: str | Path | Mapping[str, Any] | None,
    synthetic: bool = False,
    reproduction_rows: Sequence[Mapping[str, Any]] | None = None,
    metadata: Mapping[str, Any] | None = None,
    quiet: bool = False,
    title: str | None = None,
    institution: str | None = None,
) -> dict[str, Any]:
    """Write ``tables/``, ``figures/``, ``report.html`` and ``methods.md`` into ``out_dir``.

    Parameters
    ----------
    results : StudyResults
        Output of :func:`rtdelay.study.run` (with ``beyond`` when available).
    out_dir : path
        The run's output folder (created if needed).
    results_json : path or mapping or None
        ``results.json`` of the run (written by ``write_analysis_outputs``) or its document:
        its ``metadata`` block and ``notice`` are shown in the report unless ``metadata`` is
        given.
    synthetic : bool
        The demo cohort: the report carries a banner saying the patients are synthetic.
    reproduction_rows : sequence of mapping, optional
        Demo only: article target vs reproduced value per number.
    metadata : mapping, optional
        Run metadata to show (version, input SHA-256, date); overrides the json's.
    quiet : bool
        No progress output.
    title, institution : str, optional
        Shown at the top of report.html and methods.md (``--title``, ``--institution``).

    Returns
    -------
    dict
        ``{"report": path, "methods": path, "tables": {name: {fmt: path}},
        "figures": {name: {fmt: path}}, "flow_diagram": path}``.
    """
    from rtdelay.report._flow import write_flow_diagram
    from rtdelay.report._html import render_report
    from rtdelay.report._methods import methods_markdown
    from rtdelay.report.figures import write_figures
    from rtdelay.report.tables import all_tables

    progress = _Progress(quiet)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    document = _load_document(results_json)
    meta = dict(metadata) if metadata is not None else dict(document.get("metadata") or {})
    notice = document.get("notice") if isinstance(document.get("notice"), str) else None

    stamp = None
    if synthetic:
        stamp = notice or SYNTHETIC_STAMP
    progress.step("Writing tables (csv, md, html, docx, tex)")
    tables = all_tables(results)
    if stamp:
        tables = [dataclasses.replace(t, footnotes=(*t.footnotes, stamp)) for t in tables]
    table_paths = {t.name: t.write(out / TABLES_DIR) for t in tables}

    progress.step("Drawing figures (png, svg, pdf)")
    figure_paths = write_figures(results, out / FIGURES_DIR, stamp=SYNTHETIC_STAMP if stamp else None)
    flow_path = write_flow_diagram(
        out / FIGURES_DIR / FLOW_NAME,
        results.flow,
        n_by_group=results.n_by_group,
        included=results.n_patients,
        caption=SYNTHETIC_STAMP if stamp else None,
    )

    progress.step("Writing methods.md and report.html")
    methods_path = out / METHODS_NAME
    methods_path.write_text(methods_markdown(results, metadata=meta, notice=stamp, title=title, institution=institution), encoding="utf-8")
    page = render_report(
        results,
        figure_files={name: paths["svg"] for name, paths in figure_paths.items() if "svg" in paths},
        metadata=meta,
        synthetic=synthetic,
        notice=notice,
        reproduction_rows=reproduction_rows,
        tables=tables,
        title=title,
        institution=institution,
    )
    report_path = out / REPORT_NAME
    tmp = report_path.with_name(report_path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(report_path)
    progress.last(f"Report: {report_path}")
    return {
        "report": report_path,
        "methods": methods_path,
        "tables": table_paths,
        "figures": figure_paths,
        "flow_diagram": flow_path,
    }
