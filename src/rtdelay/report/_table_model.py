"""One table model, five renderings (csv, Markdown, HTML, Word, LaTeX booktabs).

A :class:`ReportTable` holds text only: a header, rows of already formatted cells and footnotes.
The numbers are formatted once, by the builders in :mod:`rtdelay.report.tables` through
:mod:`rtdelay.report.formatting`; the renderers here only lay the same strings out, so every
format carries exactly the same numbers (the design of statsmodels' ``Summary``: numbers in,
rendering out).

Footnote markers are kept apart from the cell text (``TableRow.marks``) so that each format
can set them as it should: ``<sup>a</sup>`` in HTML and Markdown, a superscript run in Word,
``\\textsuperscript{a}`` in LaTeX and ``[a]`` in csv.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rtdelay.atomic import atomic_write
from rtdelay.report._docx_layout import (
    apply_widths,
    column_widths,
    landscape,
    line_width_twips,
    rule,
    three_rules,
)

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

__all__ = ["TableRow", "ReportTable", "TABLE_FORMATS"]

#: File formats written by :meth:`ReportTable.write`.
TABLE_FORMATS: tuple[str, ...] = ("csv", "md", "html", "docx", "tex")

WIDE_COLUMNS = 7
"""From this many columns a Word table is set landscape at 8 pt (a portrait page wraps it)."""


@dataclass(frozen=True)
class TableRow:
    """One row of a table.

    Attributes
    ----------
    cells : tuple of str
        Formatted cell texts, one per header column.
    indent : int
        Indentation level of the first cell (levels of a categorical variable: 1).
    marks : dict
        ``{column index: footnote marker}`` (e.g. ``{4: "a"}`` for the test of a p value).
    section : bool
        A section heading row (first cell only, set in bold).
    """

    cells: tuple[str, ...]
    indent: int = 0
    marks: dict[int, str] = field(default_factory=dict)
    section: bool = False


def _reproducible_zip(data: bytes) -> bytes:
    """Rewrite a zip (a .docx) with fixed member timestamps so that runs give identical files.

    python-docx stamps each member with the time of saving; nothing else in the file varies.
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


@dataclass(frozen=True)
class ReportTable:
    """A publication table as text: title, header, rows and footnotes.

    ``name`` is the file stem (``table1`` gives ``table1.csv``, ``table1.docx``...).
    """

    name: str
    title: str
    header: tuple[str, ...]
    rows: tuple[TableRow, ...]
    footnotes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        width = len(self.header)
        for i, row in enumerate(self.rows):
            if len(row.cells) != width:
                raise ValueError(
                    f"table {self.name}: row {i} has {len(row.cells)} cells, the header {width}"
                )
            bad = [c for c in row.marks if not 0 <= c < width]
            if bad:
                raise ValueError(
                    f"table {self.name}: row {i} marks column {bad[0]} outside the table"
                )

    # -- plain text -------------------------------------------------------------------------
    def numeric_columns(self) -> tuple[bool, ...]:
        """Per column: True when every filled body cell reads as a number (right-aligned),
        False for text columns (left-aligned). The first column is always text."""
        out = [False]
        for j in range(1, len(self.header)):
            cells = [
                r.cells[j].strip() for r in self.rows if j < len(r.cells) and r.cells[j].strip()
            ]
            out.append(bool(cells) and all(_NUMERIC_START.match(c) is not None for c in cells))
        return tuple(out)

    @property
    def caption_text(self) -> str:
        """The title without its own "Table N." label (LaTeX and Word number tables themselves)."""
        return _TABLE_LABEL.sub("", self.title)

    def cell_text(self, row: TableRow, j: int, *, style: str) -> str:
        """Cell ``j`` of ``row`` with its footnote marker in the given ``style``."""
        text = row.cells[j]
        mark = row.marks.get(j)
        if style == "csv":
            text = ("  " * row.indent + text) if j == 0 and text else text
            return f"{text} [{mark}]" if mark else text
        if style == "md":
            text = _md_escape(text)
            if j == 0 and row.indent and text:
                text = "&nbsp;&nbsp;&nbsp;&nbsp;" * row.indent + text
            if j == 0 and row.section:
                text = f"**{text}**"
            return f"{text}<sup>{mark}</sup>" if mark else text
        raise ValueError(f"unknown style {style!r}")

    def to_csv(self) -> str:
        """Comma-separated values: header, rows, then the title and footnotes as comment rows.

        Written by rtdelay's one csv writer (:func:`rtdelay.cohort.csv_text`): cells that a
        spreadsheet would run as a formula are escaped, line breaks quoted.
        """
        from rtdelay.cohort import csv_text

        records: list[list[str]] = [list(self.header)]
        for row in self.rows:
            records.append([self.cell_text(row, j, style="csv") for j in range(len(self.header))])
        records.extend([f"# {note}"] for note in self.footnotes)
        return csv_text(records)

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table with the title above and footnotes below."""
        lines = [f"**{_md_escape(self.title)}**", ""]
        lines.append("| " + " | ".join(_md_escape(h) for h in self.header) + " |")
        lines.append(
            "|" + "|".join(" ---: " if num else " :--- " for num in self.numeric_columns()) + "|"
        )
        for row in self.rows:
            cells = [self.cell_text(row, j, style="md") for j in range(len(self.header))]
            lines.append("| " + " | ".join(cells) + " |")
        if self.footnotes:
            lines.append("")
            lines.extend(_md_escape(n) + "  " for n in self.footnotes)
        return "\n".join(lines).rstrip() + "\n"

    def to_html(self, *, table_id: str | None = None) -> str:
        """An HTML ``<table>`` fragment (caption, thead, tbody, footnotes in tfoot); escaped."""
        ident = f' id="{html.escape(table_id)}"' if table_id else ""
        out = [f'<table class="rt-table"{ident}>', f"<caption>{html.escape(self.title)}</caption>"]
        out.append(
            "<thead><tr>"
            + "".join(f'<th scope="col">{html.escape(h)}</th>' for h in self.header)
            + "</tr></thead>"
        )
        out.append("<tbody>")
        numeric = self.numeric_columns()
        for row in self.rows:
            cells = []
            for j, text in enumerate(row.cells):
                body = html.escape(text)
                if j in row.marks:
                    body += f"<sup>{html.escape(row.marks[j])}</sup>"
                if j == 0:
                    cls = (
                        ' class="section"'
                        if row.section
                        else (f' class="indent{row.indent}"' if row.indent else "")
                    )
                    cells.append(f'<th scope="row"{cls}>{body}</th>')
                else:
                    cells.append(
                        f"<td>{body}</td>" if numeric[j] else f'<td class="text">{body}</td>'
                    )
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody>")
        if self.footnotes:
            notes = "<br>".join(html.escape(n) for n in self.footnotes)
            out.append(f'<tfoot><tr><td colspan="{len(self.header)}">{notes}</td></tr></tfoot>')
        out.append("</table>")
        return "\n".join(out) + "\n"

    def to_latex(self) -> str:
        """A LaTeX ``table`` with ``booktabs`` rules (needs ``\\usepackage{booktabs}``)."""
        cols = "".join("r" if num else "l" for num in self.numeric_columns())
        lines = [
            "% requires \\usepackage{booktabs}",
            "\\begin{table}[htbp]",
            "\\centering",
            f"\\caption{{{_tex_escape(self.caption_text)}}}",
            f"\\label{{tab:{_tex_escape(self.name)}}}",
            f"\\begin{{tabular}}{{{cols}}}",
            "\\toprule",
            " & ".join(_tex_escape(h) for h in self.header) + " \\\\",
            "\\midrule",
        ]
        for row in self.rows:
            cells = []
            for j, text in enumerate(row.cells):
                body = _tex_escape(text)
                if j == 0 and row.indent and body:
                    body = "\\quad " * row.indent + body
                if j == 0 and row.section:
                    body = f"\\textbf{{{body}}}"
                if j in row.marks:
                    body += f"\\textsuperscript{{{_tex_escape(row.marks[j])}}}"
                cells.append(body)
            lines.append(" & ".join(cells) + " \\\\")
        lines += ["\\bottomrule", "\\end{tabular}"]
        if self.footnotes:
            lines.append("\\par\\smallskip\\footnotesize")
            lines.append(" \\\\\n".join(_tex_escape(n) for n in self.footnotes))
        lines.append("\\end{table}")
        return "\n".join(lines) + "\n"

    @property
    def is_wide(self) -> bool:
        """Seven columns or more: a Word page in portrait wraps them (landscape, 8 pt)."""
        return len(self.header) >= WIDE_COLUMNS

    def add_to_docx(self, document: DocxDocument) -> Any:
        """Append the title, a real Word table (bold repeating header row) and the footnotes."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        from rtdelay.cohort import xml_safe

        def safe(text: str) -> str:  # XML cannot hold control characters: visible escapes
            return xml_safe(text)[0]

        document.add_paragraph(safe(self.title), style="Caption")
        table = document.add_table(rows=1 + len(self.rows), cols=len(self.header))
        three_rules(table)
        numeric = self.numeric_columns()
        size = Pt(8) if self.is_wide else None  # 8 columns fit a landscape page at 8 pt
        body = [
            [
                (
                    text + row.marks.get(j, ""),
                    j == 0 and row.section,
                    10.0 * row.indent if j == 0 else 0.0,
                )
                for j, text in enumerate(row.cells)
            ]
            for row in self.rows
        ]
        size_pt = 8.0 if self.is_wide else _docx_font_pt(document)
        widths = column_widths(
            self.header, body, numeric, size_pt=size_pt, available_twips=line_width_twips(document)
        )
        apply_widths(table, widths)
        header = table.rows[0]
        tr_pr = header._tr.get_or_add_trPr()
        flag = OxmlElement("w:tblHeader")
        flag.set(qn("w:val"), "true")
        tr_pr.append(flag)
        for j, text in enumerate(self.header):
            par = header.cells[j].paragraphs[0]
            head_run = par.add_run(safe(text))
            head_run.bold = True
            head_run.font.size = size
            rule(header.cells[j], "bottom", size=4)
            if numeric[j]:
                par.alignment = 2  # WD_ALIGN_PARAGRAPH.RIGHT
        for i, row in enumerate(self.rows, start=1):
            cells = table.rows[i].cells
            for j, text in enumerate(row.cells):
                par = cells[j].paragraphs[0]
                run = par.add_run(safe(text))
                run.font.size = size
                if j == 0 and row.section:
                    run.bold = True
                if j == 0 and row.indent:
                    par.paragraph_format.left_indent = Pt(10 * row.indent)
                if j in row.marks:
                    par.add_run(safe(row.marks[j])).font.superscript = True
                if numeric[j]:
                    par.alignment = 2
        for note in self.footnotes:
            par = document.add_paragraph()
            run = par.add_run(safe(note))
            run.font.size = Pt(8)
        return table

    def to_docx(self, path: str | Path) -> Path:
        """Write a Word document holding this table only."""
        from docx import Document

        document = Document()
        if self.is_wide:
            landscape(document)
        self.add_to_docx(document)
        target = Path(path)
        buffer = io.BytesIO()
        document.save(buffer)
        atomic_write(target, _reproducible_zip(buffer.getvalue()))
        return target

    def write(
        self, folder: str | Path, *, formats: tuple[str, ...] = TABLE_FORMATS
    ) -> dict[str, Path]:
        """Write ``<name>.<fmt>`` for each format into ``folder``; return ``{fmt: path}``."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        unknown = sorted(set(formats) - set(TABLE_FORMATS))
        if unknown:
            raise ValueError(
                f"unknown table format(s) {', '.join(unknown)}; use {', '.join(TABLE_FORMATS)}"
            )
        paths: dict[str, Path] = {}
        text = {
            "csv": self.to_csv,
            "md": self.to_markdown,
            "html": self.to_html,
            "tex": self.to_latex,
        }
        for fmt in formats:
            target = out / f"{self.name}.{fmt}"
            if fmt == "docx":
                self.to_docx(target)
            elif fmt == "html":
                page = (
                    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                    f"<title>{html.escape(self.title)}</title><style>{TABLE_CSS}</style></head><body>\n"
                    + self.to_html()
                    + "</body></html>\n"
                )
                atomic_write(target, page)
            else:
                atomic_write(target, text[fmt]())
            paths[fmt] = target
        return paths


#: Table style shared by report.html and the standalone tables/*.html (three rules, no grid).
TABLE_CSS = (
    "body { font-family: Helvetica, Arial, sans-serif; color: #111; margin: 2em; } "
    "table.rt-table { border-collapse: collapse; margin: 1em 0 1.5em; font-size: 0.9em; } "
    "table.rt-table caption { text-align: left; font-weight: bold; padding-bottom: 0.4em; } "
    "table.rt-table th, table.rt-table td { padding: 0.2em 0.6em; text-align: right; vertical-align: top; } "
    "table.rt-table td.text { text-align: left; } "
    "table.rt-table thead th { border-top: 2px solid #000; border-bottom: 1px solid #000; } "
    "table.rt-table thead th:first-child { text-align: left; } "
    "table.rt-table tbody th { text-align: left; font-weight: normal; } "
    "table.rt-table tbody th.section { font-weight: bold; padding-top: 0.6em; } "
    "table.rt-table tbody th.indent1 { padding-left: 1.6em; } "
    "table.rt-table tbody tr:last-child th, table.rt-table tbody tr:last-child td { border-bottom: 2px solid #000; } "
    "table.rt-table tfoot td { text-align: left; font-size: 0.85em; color: #333; padding-top: 0.5em; }"
)
_NUMERIC_START = re.compile(r"^(?:[<>≤≥]\s*)?[−\-–]?\d|^—$|^NR\b|^not reached")
_TABLE_LABEL = re.compile(r"^Table\s+\d+[a-z]?\.\s*")


def _docx_font_pt(document: DocxDocument) -> float:
    """The body font size of ``document`` (its Normal style; Word's 11 pt when unset)."""
    size = document.styles["Normal"].font.size
    return size.pt if size is not None else 11.0


_MD_SPECIAL = str.maketrans(
    {
        "|": "\\|",
        "*": "\\*",
        "_": "\\_",
        "<": "&lt;",
        ">": "&gt;",
        "[": "\\[",
        "]": "\\]",
        "!": "\\!",
        "`": "\\`",
        "\\": "\\\\",
    }
)
"""Markdown's active characters in data: emphasis, tables, links, images, code and HTML."""
_MD_AUTOLINK = re.compile(r"(?i)\b(https?|ftp|mailto|file|data|javascript)(:)|\b(www)(\.)")
"""Bare URLs that GitHub-flavoured Markdown would turn into links: the colon (or the dot
after ``www``) is written as an HTML entity so that the text shows but links nowhere."""
_TEX_SPECIAL = {
    "\\": "\\textbackslash{}",
    "&": "\\&",
    "%": "\\%",
    "$": "\\$",
    "#": "\\#",
    "_": "\\_",
    "{": "\\{",
    "}": "\\}",
    "~": "\\textasciitilde{}",
    "^": "\\textasciicircum{}",
    "<": "\\textless{}",
    ">": "\\textgreater{}",
    "±": "$\\pm$",
    "≥": "$\\geq$",
    "≤": "$\\leq$",
    "–": "--",
    "—": "---",
}


_MD_ACTIVE = str.maketrans(
    {"<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]", "!": "\\!", "`": "\\`"}
)


def _md_neutralise(text: str) -> str:
    """Links, images, code and HTML in running text made inert (emphasis characters kept)."""
    return _MD_AUTOLINK.sub(
        lambda m: f"{m.group(1)}&#58;" if m.group(1) else f"{m.group(3)}&#46;",
        text.translate(_MD_ACTIVE),
    )


def _md_escape(text: str) -> str:
    escaped = text.translate(_MD_SPECIAL)
    return _MD_AUTOLINK.sub(
        lambda m: f"{m.group(1)}&#58;" if m.group(1) else f"{m.group(3)}&#46;", escaped
    )


def _tex_escape(text: str) -> str:
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in text)
