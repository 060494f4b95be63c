"""Publication outputs of one analysis run: tables, figures, flow diagram, HTML report, methods.

Reporting never recomputes a statistic: it renders :class:`rtdelay.study.StudyResults`, with
every number formatted by :mod:`rtdelay.report.formatting`.

- :func:`write_report_outputs`: ``tables/`` (csv, md, html, docx, tex), ``figures/`` (png,
  svg, pdf and ``flow_diagram.svg``), ``report.html`` (self-contained) and ``methods.md``.
- :func:`write_analysis_outputs`: ``results.json``, ``cohort_included.csv``, ``quarantine.csv``;
  :func:`analysis_document` makes the ``results.json`` document in memory (with
  :func:`run_metadata`), :func:`dump_json` renders it.
- figures: :func:`fig2_pbr_risk`, :func:`fig3_pbr_by_surgery`, :func:`fig4a_local_control`,
  :func:`fig4b_overall_survival`, :func:`fig5_waiting_risk`, :func:`fig6_lc_competing`.
- tables: :func:`table1`, :func:`table2`, :func:`survival_rates_table`,
  :func:`complications_table` give a :class:`ReportTable` (one model, five renderings).

Names load lazily: ``import rtdelay.report`` imports neither matplotlib nor jinja2 nor docx.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rtdelay._lazy import lazy_attributes

if TYPE_CHECKING:
    from rtdelay.report._flow import flow_svg, write_flow_diagram
    from rtdelay.report._html import render_report
    from rtdelay.report._km_plot import km_plot
    from rtdelay.report._methods import methods_markdown, methods_paragraphs, results_paragraphs
    from rtdelay.report._outputs import (
        INCLUDED_NAME,
        QUARANTINE_NAME,
        RESULTS_NAME,
        SYNTHETIC_SOURCE,
        analysis_document,
        dump_json,
        run_metadata,
        sha256_of,
        write_analysis_outputs,
    )
    from rtdelay.report._risk_plot import risk_curve_bytes
    from rtdelay.report._table_model import ReportTable, TableRow
    from rtdelay.report._write import (
        FIGURES_DIR,
        METHODS_NAME,
        REPORT_NAME,
        SYNTHETIC_STAMP,
        TABLES_DIR,
        write_report_outputs,
    )
    from rtdelay.report.figures import (
        fig2_pbr_risk,
        fig3_pbr_by_surgery,
        fig4a_local_control,
        fig4b_overall_survival,
        fig5_waiting_risk,
        fig6_lc_competing,
        save_figure,
        write_figures,
    )
    from rtdelay.report.tables import (
        all_tables,
        complications_table,
        survival_rates_table,
        table1,
        table2,
        write_tables,
    )

_LAZY: dict[str, str] = {
    "write_report_outputs": "_write",
    "write_analysis_outputs": "_outputs",
    "analysis_document": "_outputs",
    "run_metadata": "_outputs",
    "dump_json": "_outputs",
    "sha256_of": "_outputs",
    "RESULTS_NAME": "_outputs",
    "INCLUDED_NAME": "_outputs",
    "QUARANTINE_NAME": "_outputs",
    "SYNTHETIC_SOURCE": "_outputs",
    "REPORT_NAME": "_write",
    "METHODS_NAME": "_write",
    "TABLES_DIR": "_write",
    "FIGURES_DIR": "_write",
    "SYNTHETIC_STAMP": "_write",
    "render_report": "_html",
    "km_plot": "_km_plot",
    "risk_curve_bytes": "_risk_plot",
    "flow_svg": "_flow",
    "write_flow_diagram": "_flow",
    "methods_markdown": "_methods",
    "methods_paragraphs": "_methods",
    "results_paragraphs": "_methods",
    "ReportTable": "_table_model",
    "TableRow": "_table_model",
    "fig2_pbr_risk": "figures",
    "fig3_pbr_by_surgery": "figures",
    "fig4a_local_control": "figures",
    "fig4b_overall_survival": "figures",
    "fig5_waiting_risk": "figures",
    "fig6_lc_competing": "figures",
    "save_figure": "figures",
    "write_figures": "figures",
    "table1": "tables",
    "table2": "tables",
    "survival_rates_table": "tables",
    "complications_table": "tables",
    "all_tables": "tables",
    "write_tables": "tables",
}

__all__ = [
    "risk_curve_bytes",
    "FIGURES_DIR",
    "INCLUDED_NAME",
    "METHODS_NAME",
    "QUARANTINE_NAME",
    "REPORT_NAME",
    "RESULTS_NAME",
    "SYNTHETIC_SOURCE",
    "SYNTHETIC_STAMP",
    "TABLES_DIR",
    "ReportTable",
    "TableRow",
    "all_tables",
    "analysis_document",
    "complications_table",
    "dump_json",
    "fig2_pbr_risk",
    "fig3_pbr_by_surgery",
    "fig4a_local_control",
    "fig4b_overall_survival",
    "fig5_waiting_risk",
    "fig6_lc_competing",
    "flow_svg",
    "km_plot",
    "methods_markdown",
    "methods_paragraphs",
    "render_report",
    "results_paragraphs",
    "run_metadata",
    "save_figure",
    "sha256_of",
    "survival_rates_table",
    "table1",
    "table2",
    "write_analysis_outputs",
    "write_figures",
    "write_flow_diagram",
    "write_report_outputs",
    "write_tables",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
