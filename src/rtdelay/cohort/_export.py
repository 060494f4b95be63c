"""Safe export of tables (cohort, quarantine, derived values) to csv or xlsx.

A cohort file comes from outside and its text cells are written back out (quarantine file,
included cohort). A spreadsheet program treats a cell that begins with ``=``, ``+``, ``-`` or
``@`` as a formula, so a value such as ``=HYPERLINK("http://...")`` or ``@SUM(...)`` planted in
a text cell would run when a colleague opens the export ("CSV injection" / formula injection,
OWASP). Every text cell, and every column header, goes through :func:`escape_formula`, which
prefixes such a value with a single quote ``'``; a value that is a plain number
(``"-3.5"``, ``"+1e3"``) is left alone.

The characters that trigger the prefix follow the OWASP "CSV Injection" guidance: ``=``, ``+``,
``-``, ``@``, tab (0x09) and carriage return (0x0D); their full-width forms (``＝ ＋ － ＠``),
which some spreadsheet locales also read as formula starts, are treated the same way. The test
looks at the first character after any leading white space and control characters, because
spreadsheet programs skip those (``" =1+1"`` and ``"\x00@SUM(1)"`` are formulas too).

This module is the one writer of csv and xlsx files: cohort exports, quarantine files and the
report's csv tables all pass through it. csv fields holding a delimiter, a quote, a line feed
**or a carriage return** are quoted (Python's csv writer leaves a lone carriage return
unquoted, which splits the record in two when the file is read back). Characters that XML 1.0
cannot hold (control characters other than tab, line feed and carriage return) cannot be
stored in an xlsx or docx file: :func:`xml_safe` writes them as visible ``\\xNN`` escapes and
the writers count them in their notes.

Files are written with :func:`rtdelay.atomic.atomic_file` (a temporary file beside the target,
then renamed), so an interrupted export never leaves a half-written file under the final name.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rtdelay.atomic import atomic_file
from rtdelay.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMULA_PREFIXES", "escape_formula", "write_table", "cell_text", "csv_line", "csv_text", "xml_safe"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

_SUFFIXES = (".csv", ".xlsx")

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold (openpyxl and python-docx refuse them)."""

_CSV_SPECIAL = frozenset(',"\r\n')


def xml_safe(text: str) -> tuple[str, int]:
    r"""Replace characters XML cannot hold by visible ``\xNN`` escapes.

    Returns
    -------
    tuple of (str, int)
        The text and the number of characters replaced.

    Examples
    --------
    >>> xml_safe("P\x07001")
    ('P\\x07001', 1)
    """
    count = 0

    def repl(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        code = ord(match.group(0))
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _XML_ILLEGAL.sub(repl, text), count


def _skip_blank(value: str) -> int:
    """Index of the first character that is not white space or a control/format character."""
    i = 0
    while i < len(value) and (value[i].isspace() or unicodedata.category(value[i]) in ("Cc", "Cf")):
        i += 1
    return i


def csv_line(cells: Sequence[str], delimiter: str = ",") -> str:
    r"""One csv record (without the line end): a field holding the delimiter, a quote, a line
    feed or a carriage return is quoted, quotes doubled.

    Examples
    --------
    >>> csv_line(["a", "b\rc", 'x"y'])
    'a,"b\rc","x""y"'
    """
    out = []
    for cell in cells:
        if delimiter in cell or any(ch in _CSV_SPECIAL for ch in cell):
            out.append('"' + cell.replace('"', '""') + '"')
        else:
            out.append(cell)
    return delimiter.join(out)


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    r"""csv text of rows of cells (each through :func:`cell_text`), one ``\n`` per record."""
    return "".join(csv_line([cell_text(v) for v in row]) + "\n" for row in rows)


def escape_formula(value: Any) -> Any:
    """Neutralise a text value that a spreadsheet would run as a formula.

    Parameters
    ----------
    value : Any
        Any cell value. Only ``str`` values are changed.

    Returns
    -------
    Any
        ``"'" + value`` when ``value`` is a string whose first character, or first character
        after leading white space and control characters, is one of
        :data:`FORMULA_PREFIXES` and the whole string is not a plain decimal number
        (``"-3.5"``, ``"+2"``, ``"-1e-3"`` stay as they are); otherwise ``value`` unchanged.

    Examples
    --------
    >>> escape_formula("=1+1")
    "'=1+1"
    >>> escape_formula("-3.5")
    '-3.5'
    >>> escape_formula("@SUM(A1)")
    "'@SUM(A1)"
    >>> escape_formula(" =1+1")
    "' =1+1"
    """
    if not isinstance(value, str) or value == "":
        return value
    start = _skip_blank(value)
    if value[0] not in FORMULA_PREFIXES and (start >= len(value) or value[start] not in FORMULA_PREFIXES):
        return value
    if _NUMBER.fullmatch(value.strip()):
        return value
    return "'" + value


def _is_missing(value: Any) -> bool:
    """None, NaN (Python or numpy), pandas NaT and NA."""
    if value is None:
        return True
    if isinstance(value, (str, bytes, bool, int, dt.date)) and type(value).__name__ != "NaTType":
        return False
    try:
        return bool(value != value)  # NaN, numpy NaN, NaT
    except (TypeError, ValueError):  # pandas NA raises on bool()
        return True


def _plain(value: Any) -> Any:
    """Convert numpy / pandas scalars to plain Python values (None for missing)."""
    if _is_missing(value):
        return None
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        value = value.item()
    if type(value).__name__ == "Timestamp":
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.time() == dt.time(0) and value.tzinfo is None:
        return value.date()
    return value


def cell_text(value: Any) -> str:
    """Text of one csv cell: ISO dates, ``true``/``false``, no ``nan``; formulas escaped."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value) if not value.is_integer() else str(int(value))
    if isinstance(value, int):
        return str(value)
    return str(escape_formula(str(value)))


def _xlsx_value(value: Any, counter: list[int]) -> Any:
    value = _plain(value)
    if value is None:
        return None
    if isinstance(value, (bool, int, dt.date, dt.datetime)):
        return value
    if isinstance(value, float):
        return None if math.isinf(value) else value
    text, replaced = xml_safe(str(escape_formula(str(value))))
    counter[0] += replaced
    return text


def _check_path(path: str | os.PathLike[str]) -> Path:
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in _SUFFIXES:
        raise InputError(
            f"cannot write {str(target)!r}: the file name must end in .csv or .xlsx "
            f"(got {suffix or 'no extension'!r})"
        )
    if target.is_dir():
        raise InputError(f"cannot write {str(target)!r}: it is a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _rows(frame: pd.DataFrame) -> Iterable[Sequence[Any]]:
    yield from frame.itertuples(index=False, name=None)


def _write_csv(frame: pd.DataFrame, handle: Any) -> None:
    handle.write(csv_text([[str(c) for c in frame.columns]]))
    for row in _rows(frame):
        handle.write(csv_line([cell_text(v) for v in row]) + "\n")


_MISSING_TYPES = frozenset({"NoneType", "NAType", "NaTType"})


def _text_cell(value: str, counter: list[int]) -> str:
    """One text cell for xlsx: formula escaped, characters XML cannot hold made visible."""
    value = escape_formula(value)
    if _XML_ILLEGAL.search(value) is None:
        return value
    text, replaced = xml_safe(value)
    counter[0] += replaced
    return text


def _xlsx_column(values: list[Any], counter: list[int]) -> tuple[str, list[Any]]:
    """One column's cells for xlsx and their kind.

    Kinds: ``empty`` (every value missing: the column is not written below its header),
    ``number``, ``bool``, ``text``, ``date`` (dates without a time) and ``any`` (mixed types,
    each cell converted by :func:`_xlsx_value`). A column of one plain Python type skips the
    per-cell conversion; missing values (None, NaN, NaT, pandas NA) become ``None`` (blank).
    """
    types = {type(v) for v in values}
    present = {t for t in types if t.__name__ not in _MISSING_TYPES}
    cells: list[Any]
    if not present:
        return "empty", []
    if present <= {float, int}:
        kind = "number"
        cells = [v if type(v) is int or (type(v) is float and math.isfinite(v)) else None
                 for v in values]
    elif present == {bool}:
        kind, cells = "bool", [v if type(v) is bool else None for v in values]
    elif present == {str}:
        kind = "text"
        cells = [_text_cell(v, counter) if type(v) is str else None for v in values]
    elif present == {dt.date}:
        kind, cells = "date", [v if type(v) is dt.date else None for v in values]
    else:
        cells = [_xlsx_value(v, counter) for v in values]
        kind = "date" if all(v is None or type(v) is dt.date for v in cells) else "any"
    if all(v is None for v in cells):
        return "empty", []
    return kind, cells


def _write_xlsx(frame: pd.DataFrame, handle: Any, sheet_name: str) -> int:
    """xlsx with xlsxwriter in constant-memory mode (rows streamed to a temporary file).

    Text cells are written with ``write_string`` (never parsed as formulas) after
    :func:`escape_formula` and :func:`xml_safe`, so a spreadsheet that re-types them still sees
    text; numbers, booleans, dates and datetimes are typed cells; missing values are blank.
    Each column is converted once (:func:`_xlsx_column`) and written with the one xlsxwriter
    method its kind needs; a column with no value at all has only its header.
    """
    import xlsxwriter

    book = xlsxwriter.Workbook(handle, {"constant_memory": True, "in_memory": False,
                                        "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    try:
        sheet = book.add_worksheet(xml_safe(sheet_name[:31] or "Sheet1")[0])
        bold = book.add_format({"bold": True})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        sheet.freeze_panes(1, 0)
        counter = [0]
        for j, name in enumerate(frame.columns):
            sheet.write_string(0, j, _xlsx_value(str(name), counter) or "", bold)

        def write_any(r: int, j: int, value: Any, _: Any) -> None:
            if isinstance(value, str):
                sheet.write_string(r, j, value)
            elif isinstance(value, bool):
                sheet.write_boolean(r, j, value)
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, j, value, stamp)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, j, value, day)
            else:
                sheet.write_number(r, j, value)

        writers = {"number": (sheet.write_number, None), "bool": (sheet.write_boolean, None),
                   "text": (sheet.write_string, None), "date": (sheet.write_datetime, day),
                   "any": (write_any, None)}
        plan = []
        for j in range(frame.shape[1]):
            kind, cells = _xlsx_column(frame.iloc[:, j].tolist(), counter)
            if kind != "empty":
                plan.append((j, cells, *writers[kind]))
        for i in range(len(frame)):  # constant_memory: rows must be written in order
            r = i + 1
            for j, cells, write, cell_format in plan:
                value = cells[i]
                if value is not None:
                    write(r, j, value, cell_format)
    finally:
        book.close()
    return counter[0]


def write_table(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    sheet_name: str = "cohort",
    bom: bool = False,
    notes: list[str] | None = None,
) -> Path:
    """Write ``frame`` to csv (UTF-8) or xlsx, chosen by the file suffix, escaping text cells.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; the index is not written.
    path : str or path-like
        Target file, ``*.csv`` or ``*.xlsx``. Parent folders are created. The file is written
        to a temporary name and renamed into place.
    sheet_name : str, default "cohort"
        Worksheet name for xlsx output.
    bom : bool, default False
        csv only: write a UTF-8 byte-order mark (helps old Excel versions show accents).
    notes : list of str, optional
        Receives a sentence when characters had to be escaped (xlsx cannot hold control
        characters: they are written as ``\\xNN``).

    Returns
    -------
    pathlib.Path
        The path written.

    Notes
    -----
    csv cells: missing values (None, NaN, NaT) are empty; booleans ``true``/``false``; dates
    ISO 8601 (a datetime at midnight is written as a date); every text cell and header passes
    through :func:`escape_formula`; fields with a delimiter, quote, line feed or carriage return
    are quoted. xlsx cells keep numbers, booleans and dates as typed
    cells (dates formatted ``yyyy-mm-dd``); text cells are escaped the same way and written as
    text (xlsxwriter, constant memory), so a spreadsheet
    never stores them as formulas.

    Raises
    ------
    InputError
        For an unsupported suffix or a directory as target.
    """
    target = _check_path(path)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        with atomic_file(target, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            _write_csv(frame, fh)
    else:
        with atomic_file(target, "wb") as fh:
            replaced = _write_xlsx(frame, fh, sheet_name)
        if replaced and notes is not None:
            notes.append(
                f"{target.name}: {replaced} control character(s) that an xlsx file cannot hold "
                "were written as visible \\xNN escapes"
            )
    return target
