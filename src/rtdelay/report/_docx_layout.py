"""Word page and table layout for :class:`rtdelay.report.ReportTable`.

Column widths come from the content: a column of numbers (an estimate with its confidence
interval, a p value) is given the width of its longest cell when the line allows, and never
less than keeps "91.2% (81.4–96.0)" on one line; text columns (the labels) share what is left of the line
and wrap at spaces. Widths are estimated without a font file, from per-character widths
that are at least those of the fonts a Word table ends up in (Cambria, Calibri, Times New
Roman, Arial and DejaVu Serif/Sans, which LibreOffice substitutes for them): an estimate
that errs wide costs a little space, one that errs narrow wraps the number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

__all__ = [
    "CELL_PADDING_TWIPS",
    "apply_widths",
    "column_widths",
    "landscape",
    "line_width_twips",
    "rule",
    "text_width_pt",
    "three_rules",
]

#: Word's default left + right cell margins (0.075 in each side) plus a little slack.
CELL_PADDING_TWIPS = 2 * 108 + 40

_DEFAULT_EM = 0.70
_BOLD_FACTOR = 1.12
_EM: dict[str, float] = {}
_EM.update(dict.fromkeys("0123456789", 0.64))
_EM.update(dict.fromkeys(" .,:;'|!il", 0.33))
_EM.update(dict.fromkeys("()[]{}", 0.40))
_EM.update(dict.fromkeys("-‐", 0.38))
_EM.update(dict.fromkeys("–−+=<>≤≥±×", 0.84))
_EM.update(dict.fromkeys("%@—MWmw", 1.00))
_EM.update(dict.fromkeys("abcdeghknopqsuvxyz", 0.62))
_EM.update(dict.fromkeys("fjrt", 0.45))


_TEXT_BREAK = re.compile(r"\s+")
_NUMBER_BREAK = re.compile(r"\s+(?!\()")
"""In a column of numbers a line may break at a space, but never between an estimate and its
interval ("91.2% (81.4–96.0)" stays whole; "2.83 (1.00–7.97); log-rank 0.040" may break
after the semicolon)."""


def text_width_pt(text: str, *, size_pt: float, bold: bool = False) -> float:
    """Width in points of ``text`` on one line at ``size_pt`` (an upper estimate).

    Examples
    --------
    >>> round(text_width_pt("10", size_pt=10), 1)
    12.8
    """
    em = 0.0
    for ch in text:
        if ch in _EM:
            em += _EM[ch]
        elif ch.isupper():
            em += 0.80
        else:
            em += _DEFAULT_EM
    return em * size_pt * (_BOLD_FACTOR if bold else 1.0)


def _twips(points: float) -> int:
    return int(round(points * 20))


def column_widths(
    header: Sequence[str],
    body: Sequence[Sequence[tuple[str, bool, float]]],
    numeric: Sequence[bool],
    *,
    size_pt: float,
    available_twips: int,
) -> list[int]:
    """Column widths in twips (1/20 pt) that fill ``available_twips``.

    Parameters
    ----------
    header : sequence of str
        Header texts (set in bold; they may wrap at spaces).
    body : sequence of rows
        Each row a sequence of ``(text, bold, indent_pt)`` per column.
    numeric : sequence of bool
        Columns of numbers: as wide as their longest body cell when the line allows, and never
        so narrow that an estimate is parted from its interval.
    size_pt : float
        Font size.
    available_twips : int
        Width of the text line.

    Returns
    -------
    list of int
        One width per column; their sum is ``available_twips``.

    Examples
    --------
    >>> w = column_widths(["Group", "Estimate"], [[("All", False, 0.0), ("91.2% (81.4–96.0)", False, 0.0)]],
    ...                   [False, True], size_pt=11, available_twips=8640)
    >>> sum(w), w[1] >= _twips(text_width_pt("91.2% (81.4–96.0)", size_pt=11)) + CELL_PADDING_TWIPS
    (8640, True)
    """
    ncol = len(header)

    def width(text: str, bold: bool, indent: float = 0.0) -> int:
        return _twips(text_width_pt(text, size_pt=size_pt, bold=bold) + indent) + CELL_PADDING_TWIPS

    def longest_word(
        text: str, bold: bool, indent: float = 0.0, *, keep_intervals: bool = False
    ) -> int:
        pattern = _NUMBER_BREAK if keep_intervals else _TEXT_BREAK
        words = [w for w in pattern.split(text) if w] or [""]
        return max(width(w, bold, indent) for w in words)

    full = [width(h, True) for h in header]
    least = [longest_word(h, True) for h in header]
    for row in body:
        for j, (text, bold, indent) in enumerate(row):
            full[j] = max(full[j], width(text, bold, indent))
            least[j] = max(least[j], longest_word(text, bold, indent, keep_intervals=numeric[j]))
    if sum(full) <= available_twips:
        widths = list(full)
        widths[0] += available_twips - sum(full)  # the label column takes the rest of the line
        return widths
    # headers of number columns on one line too ("At risk") when the labels can give way
    headed = [
        max(m, width(h, True)) if num else m
        for m, h, num in zip(least, header, numeric, strict=True)
    ]
    if sum(headed) <= available_twips:
        least = headed
    if sum(least) <= available_twips:
        spare = available_twips - sum(least)
        give = [f - m for f, m in zip(full, least, strict=True)]
        total = sum(give)
        widths = [
            m + (spare * g // total if total else 0) for m, g in zip(least, give, strict=True)
        ]
    else:
        numbers = sum(m for m, num in zip(least, numeric, strict=True) if num)
        labels = sum(least) - numbers
        if numbers < available_twips and labels:
            # a text column with a word longer than the line: the numbers keep their width and
            # the text columns share the rest (Word breaks the long word)
            rest = available_twips - numbers
            widths = [
                m if num else rest * m // labels for m, num in zip(least, numeric, strict=True)
            ]
        else:  # not even the numbers fit: shrink in proportion (wide tables are set landscape first)
            widths = [available_twips * m // sum(least) for m in least]
    widths[0] += available_twips - sum(widths)
    return widths[:ncol]


def apply_widths(table: Any, widths: Sequence[int]) -> None:
    """Fix the layout of a python-docx table to ``widths`` (twips): grid, cells and table."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Twips

    table.autofit = False  # <w:tblLayout w:type="fixed"/>: Word keeps the widths given
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(sum(widths)))
    for column, w in zip(table.columns, widths, strict=True):
        column.width = Twips(w)
        for cell in column.cells:
            cell.width = Twips(w)


def landscape(document: DocxDocument) -> None:
    """Turn the document's (last) section to landscape with 2 cm margins."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    section = document.sections[-1]
    width, height = section.page_width, section.page_height
    if width is not None and height is not None and width < height:
        section.page_width, section.page_height = height, width
    section.orientation = WD_ORIENT.LANDSCAPE
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))


def line_width_twips(document: DocxDocument) -> int:
    """Width of the text line of the document's last section, in twips."""
    section = document.sections[-1]
    width = section.page_width
    left, right = section.left_margin, section.right_margin
    if width is None or left is None or right is None:  # python-docx's template sets all three
        return 8640
    return int((width - left - right) / 635)  # EMU per twip


def rule(cell: Any, edge: str, *, size: int) -> None:
    """A single horizontal border of ``size`` eighths of a point on one edge of a Word cell."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), "0")
    line.set(qn("w:color"), "000000")
    borders.append(line)


def three_rules(table: Any) -> None:
    """Journal style: a rule above the table, one under the header and one below the table,
    no vertical lines and no grid."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        if edge in ("top", "bottom"):
            line.set(qn("w:val"), "single")
            line.set(qn("w:sz"), "8")
            line.set(qn("w:space"), "0")
            line.set(qn("w:color"), "000000")
        else:
            line.set(qn("w:val"), "nil")
        borders.append(line)
    # in schema order (Word refuses misplaced elements): before shading, layout, margins, look
    tbl_pr.insert_element_before(
        borders,
        "w:shd",
        "w:tblLayout",
        "w:tblCellMar",
        "w:tblLook",
        "w:tblCaption",
        "w:tblDescription",
        "w:tblPrChange",
    )
