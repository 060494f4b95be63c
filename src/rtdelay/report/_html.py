"""The self-contained HTML report (jinja2 template, inline SVG figures and CSS, no script).

:func:`render_report` puts together, from one :class:`~rtdelay.study.StudyResults`, the flow
diagram, Tables 1–3 (and complications), the figures (inline SVG read from the files written by
:func:`rtdelay.report.figures.write_figures`), the results sentences, the methods text, the run
metadata and, for the demo, the synthetic-cohort banner and the reproduction table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rtdelay.report._beyond_tables import beyond_paragraphs, beyond_tables
from rtdelay.report._flow import flow_svg
from rtdelay.report._methods import methods_paragraphs, results_paragraphs, run_notes
from rtdelay.report._table_model import ReportTable, TableRow
from rtdelay.report.formatting import format_general
from rtdelay.report.tables import all_tables

if TYPE_CHECKING:
    from rtdelay.study import StudyResults

__all__ = ["render_report", "reproduction_table", "inline_svg", "FIGURE_CAPTIONS", "DEFAULT_TITLE", "METHOD_SOURCE"]

#: Title of a report when the user gives none (``--title``): neutral, the cohort is theirs.
DEFAULT_TITLE = "Waiting for postoperative radiotherapy in spinal metastases: cohort analysis"
#: The article the methods come from, named under the title of every report.
METHOD_SOURCE = (
    "Analyses follow the methods of Gong et al., Radiat Oncol 2021;16:21 (postoperative "
    "radiotherapy delay and progression of spinal metastases), computed by rtdelay."
)
DEMO_TITLE = "Reproduction of Gong et al., Radiat Oncol 2021;16:21 on a synthetic demo cohort"

#: (section, caption) of each figure of the report.
FIGURE_CAPTIONS: dict[str, tuple[str, str]] = {
    "fig2_pbr_risk": (
        "interval",
        "Figure 2. Cumulative risk of progression before radiotherapy by months since surgery "
        "(Kaplan-Meier, 1 − S, with 95% band; ticks: censored at the start of RT).",
    ),
    "fig3_pbr_by_surgery": ("interval", "Figure 3. Cumulative risk of progression before radiotherapy by operation type."),
    "fig4a_local_control": ("prognosis", "Figure 4a. Local control from the start of radiotherapy by PBR/NPBR; 1-year rates marked."),
    "fig4b_overall_survival": ("prognosis", "Figure 4b. Overall survival from the start of radiotherapy by PBR/NPBR; 1-year rates marked."),
    "fig5_waiting_risk": (
        "beyond",
        "Figure 5. Risk of progression before RT: the article's Kaplan-Meier curve vs the current-status NPMLE (bootstrap 95% intervals).",
    ),
    "fig6_lc_competing": (
        "beyond",
        "Figure 6. Local progression: cumulative incidence with death as a competing event (solid) vs 1 − Kaplan-Meier (dotted).",
    ),
    "fig8_schoenfeld": (
        "beyond",
        "Figure 8. Proportional hazards: scaled Schoenfeld residuals of the PBR-adjusted Cox model "
        "against time (dots), their running mean (solid) and the fitted coefficient (dashed); "
        "P: cox.zph test.",
    ),
    "fig7_cox_forest": (
        "beyond",
        "Figure 7. Cox models: hazard ratios with 95% confidence intervals (log scale); dashed line: no effect.",
    ),
}

_PREFERRED = ("key", "target", "reproduced", "difference", "tolerance", "ok", "reason")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def inline_svg(text: str) -> str:
    """An SVG file's markup for inline use in HTML: XML declaration, doctype, comments removed."""
    return _COMMENT.sub("", _XML_DECL.sub("", text)).strip()


_READABLE = (("label", "Figure"), ("article", "Article"), ("reproduced_printed", "Reproduced"), ("status", "Status"), ("reason", "Reason"))
_STATUS_TEXT = {
    "identical": "prints identically",
    "band": "within ±0.005 calibration band",
    "not reproducible": "not reproducible",
}


def _readable_reproduction(rows: Sequence[Mapping[str, Any]]) -> ReportTable:
    body = []
    for r in rows:
        cells = [str(r.get(k) or "") for k, _ in _READABLE]
        cells[3] = _STATUS_TEXT.get(cells[3], cells[3])
        body.append(TableRow(cells=tuple(cells)))
    return ReportTable(
        name="reproduction",
        title="Figures printed in the article and the values reproduced on this cohort, printed the same way",
        header=tuple(h for _, h in _READABLE),
        rows=tuple(body),
        footnotes=(
            "Each figure is compared at the precision the article prints it with (half a unit of its last "
            "printed digit). P values are printed as in the article (\"< 0.001\").",
        ),
    )


def reproduction_table(rows: Sequence[Mapping[str, Any]]) -> ReportTable:
    """The demo's table of article targets vs reproduced values: readable columns (figure,
    article, reproduced, status, reason) when the rows carry them, else the rows' keys."""
    if rows and all("label" in r and "status" in r for r in rows):
        return _readable_reproduction(rows)
    keys: list[str] = [k for k in _PREFERRED if any(k in r for r in rows)]
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    body = []
    for r in rows:
        cells = tuple(format_general(r.get(k), digits=4) for k in keys)
        body.append(TableRow(cells=cells))
    return ReportTable(
        name="reproduction",
        title="Article targets (paper_targets.json) and the values reproduced on this cohort",
        header=tuple(k.replace("_", " ").capitalize() for k in keys),
        rows=tuple(body),
        footnotes=("ok: the reproduced value is within the stated tolerance of the article's value.",),
    )


def _reproduction_block(rows: Sequence[Mapping[str, Any]] | None) -> dict[str, str] | None:
    if not rows:
        return None
    if all("status" in r for r in rows):
        n = {k: sum(1 for r in rows if r.get("status") == k) for k in _STATUS_TEXT}
        summary = (
            f"Of {len(rows)} figures printed in the article, {n['identical']} print identically, "
            f"{n['band']} are p values within the ±0.005 calibration band (printed differently), "
            f"and {n['not reproducible']} {'is' if n['not reproducible'] == 1 else 'are'} not reproducible, with the reason."
        )
    else:
        ok = [r.get("ok") for r in rows]
        n_ok = sum(1 for v in ok if v is True)
        summary = f"{n_ok} of {len(rows)} article numbers reproduced within tolerance."
    return {"summary": summary, "table": reproduction_table(rows).to_html(table_id="reproduction-table")}


_NOTICE_LABEL = re.compile(r"^\s*SYNTHETIC[A-Z ]*:\s*")
_NOTICE_TAIL = re.compile(r"[;,]\s*not patient data\.?\s*$", re.IGNORECASE)


def banner_text(notice: str | None) -> str | None:
    """The banner's sentence: the notice without what the banner's heading already says.

    The heading reads "SYNTHETIC COHORT — NOT PATIENT DATA"; a notice such as the demo's
    ``"SYNTHETIC DEMO COHORT: generated by ...; not patient data."`` would say it a second time,
    so its leading label and trailing "not patient data" are dropped.

    Examples
    --------
    >>> banner_text("SYNTHETIC DEMO COHORT: generated by rtdelay; not patient data.")
    'Generated by rtdelay.'
    >>> banner_text("Synthetic cohort for the tests.")
    'Synthetic cohort for the tests.'
    >>> banner_text(None) is None
    True
    """
    if not notice:
        return None
    body = _NOTICE_TAIL.sub(".", _NOTICE_LABEL.sub("", notice)).strip()
    return (body[:1].upper() + body[1:]) if body else None


def render_report(
    results: StudyResults,
    *,
    figure_files: Mapping[str, Path],
    metadata: Mapping[str, Any] | None = None,
    synthetic: bool = False,
    notice: str | None = None,
    reproduction_rows: Sequence[Mapping[str, Any]] | None = None,
    tables: Sequence[ReportTable] | None = None,
    title: str | None = None,
    institution: str | None = None,
    load_notes: Sequence[str] | None = None,
) -> str:
    """Render the report page.

    Parameters
    ----------
    results : StudyResults
    figure_files : mapping
        ``{figure name: path of its svg file}`` (inlined into the page).
    metadata : mapping, optional
        Run metadata (rtdelay version, input SHA-256, date...), listed at the end of the page.
    synthetic : bool
        Show the synthetic-cohort banner (demo).
    notice : str, optional
        Text of the banner.
    reproduction_rows : sequence of mapping, optional
        Target vs reproduced rows (demo).
    tables : sequence of ReportTable, optional
        Already built tables (default: :func:`rtdelay.report.tables.all_tables`).
    title : str, optional
        Title of the report (default :data:`DEFAULT_TITLE`; the demo's names the reproduction).
    institution : str, optional
        Institution shown under the title.
    load_notes : sequence of str, optional
        What reading the input detected (results.json ``load_notes``), listed under
        "Reading the input" in the methods section.
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rtdelay.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    built = list(tables) if tables is not None else all_tables(results)
    table_html = {t.name: t.to_html(table_id=t.name) for t in built}
    table_html.setdefault("complications", "")
    table_html.setdefault("survival_summary", "")
    figures = []
    for name, path in figure_files.items():
        section, caption = FIGURE_CAPTIONS.get(name, ("beyond", name))
        figures.append({"name": name, "section": section, "caption": caption, "svg": inline_svg(Path(path).read_text(encoding="utf-8"))})
    beyond = getattr(results, "beyond", None)
    beyond_block = None
    if beyond is not None:
        built_beyond = [t for t in built if t.name.startswith("beyond_")] or beyond_tables(beyond)
        beyond_block = {
            "paragraphs": beyond_paragraphs(beyond),
            "tables": [t.to_html(table_id=t.name) for t in built_beyond],
        }
    meta_items = [(str(k), format_general(v)) for k, v in (metadata or {}).items() if v is not None]
    template = env.get_template("report.html.j2")
    return template.render(
        title=title or (DEMO_TITLE if synthetic else DEFAULT_TITLE),
        institution=institution,
        method_source=METHOD_SOURCE,
        synthetic=synthetic,
        notice=banner_text(notice),
        paragraphs=results_paragraphs(results),
        flow_svg=inline_svg(flow_svg(results.flow, n_by_group=results.n_by_group, included=results.n_patients)),
        tables=table_html,
        figures=figures,
        beyond=beyond_block,
        reproduction=_reproduction_block(reproduction_rows),
        methods=methods_paragraphs(results),
        notes=list(run_notes(results)),
        load_notes=[str(n) for n in (load_notes or [])],
        metadata=meta_items,
    )
