"""Write the publication outputs of one run: tables/, figures/, report.html, methods.md.

``results.json``, ``cohort_included.csv`` and ``quarantine.csv`` are written by
:func:`rtdelay.report.write_analysis_outputs`; :func:`rtdelay.analysis.analyze` calls both.
Nothing is printed here: the slow steps are announced through the ``progress`` callback (the
command line draws it with rich, the web application shows it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rtdelay.atomic import atomic_write

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


def _silent(message: str) -> None:
    """Default progress callback: say nothing."""


def write_report_outputs(
    results: StudyResults,
    *,
    out_dir: str | Path,
    metadata: Mapping[str, Any] | None = None,
    notice: str | None = None,
    synthetic: bool = False,
    reproduction_rows: Sequence[Mapping[str, Any]] | None = None,
    progress: Callable[[str], None] | None = None,
    title: str | None = None,
    institution: str | None = None,
    load_notes: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Write ``tables/``, ``figures/``, ``report.html`` and ``methods.md`` into ``out_dir``.

    Parameters
    ----------
    results : StudyResults
        Output of :func:`rtdelay.study.run` (with ``beyond`` when available).
    out_dir : path
        The run's output folder (created if needed).
    metadata : mapping, optional
        Run metadata to show (version, input SHA-256, date): the ``metadata`` block of the
        run's document (:func:`rtdelay.report.run_metadata`).
    notice : str, optional
        A sentence shown with the results (the demo's "synthetic cohort" notice).
    synthetic : bool
        The demo cohort: the report carries a banner saying the patients are synthetic, and
        every table and figure a stamp.
    reproduction_rows : sequence of mapping, optional
        Demo only: article target vs reproduced value per number.
    progress : callable, optional
        Called with a short sentence before each slow step (tables, figures, report).
    title, institution : str, optional
        Shown at the top of report.html and methods.md (``--title``, ``--institution``).
    load_notes : sequence of str, optional
        What reading the input detected (sheet chosen, encoding, recoded values): the run
        document's ``load_notes``, listed in report.html under "Reading the input".

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

    step = progress if progress is not None else _silent
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = dict(metadata or {})

    stamp = None
    if synthetic:
        stamp = notice or SYNTHETIC_STAMP
    step("Writing tables (csv, md, html, docx, tex)")
    tables = all_tables(results)
    if stamp:
        tables = [dataclasses.replace(t, footnotes=(*t.footnotes, stamp)) for t in tables]
    table_paths = {t.name: t.write(out / TABLES_DIR) for t in tables}

    step("Drawing figures (png, svg, pdf)")
    figure_paths = write_figures(results, out / FIGURES_DIR, stamp=SYNTHETIC_STAMP if stamp else None)
    flow_path = write_flow_diagram(
        out / FIGURES_DIR / FLOW_NAME,
        results.flow,
        n_by_group=results.n_by_group,
        included=results.n_patients,
        caption=SYNTHETIC_STAMP if stamp else None,
    )

    step("Writing methods.md and report.html")
    methods_path = out / METHODS_NAME
    atomic_write(methods_path, methods_markdown(results, metadata=meta, notice=stamp, title=title, institution=institution))
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
        load_notes=load_notes,
    )
    report_path = atomic_write(out / REPORT_NAME, page)
    return {
        "report": report_path,
        "methods": methods_path,
        "tables": table_paths,
        "figures": figure_paths,
        "flow_diagram": flow_path,
    }
