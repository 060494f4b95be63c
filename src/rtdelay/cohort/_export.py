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
which some spreadsheet locales also read as formula starts, are treated the same way.

Files are written with :func:`rtdelay.atomic.atomic_file` (a temporary file beside the target,
then renamed), so an interrupted export never leaves a half-written file under the final name.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rtdelay.atomic import atomic_file
from rtdelay.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMULA_PREFIXES", "escape_formula", "write_table", "cell_text"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")

_SUFFIXES = (".csv", ".xlsx")


def escape_formula(value: Any) -> Any:
    """Neutralise a text value that a spreadsheet would run as a formula.

    Parameters
    ----------
    value : Any
        Any cell value. Only ``str`` values are changed.

    Returns
    -------
    Any
        ``"'" + value`` when ``value`` is a string whose first character is one of
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
    """
    if not isinstance(value, str) or value == "":
        return value
    if value[0] not in FORMULA_PREFIXES:
        return value
    if _NUMBER.fullmatch(value):
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


def _xlsx_value(value: Any) -> Any:
    value = _plain(value)
    if value is None:
        return None
    if isinstance(value, (bool, int, dt.date, dt.datetime)):
        return value
    if isinstance(value, float):
        return None if math.isinf(value) else value
    return escape_formula(str(value))


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
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow([cell_text(str(c)) for c in frame.columns])
    for row in _rows(frame):
        writer.writerow([cell_text(v) for v in row])


def _write_xlsx(frame: pd.DataFrame, handle: Any, sheet_name: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=sheet_name[:31] or "Sheet1")
    sheet.freeze_panes = "A2"  # must be set before the first row in write-only mode
    header = []
    for name in frame.columns:
        cell = WriteOnlyCell(sheet, value=escape_formula(str(name)))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in _rows(frame):
        out: list[Any] = []
        for value in row:
            value = _xlsx_value(value)
            if isinstance(value, dt.datetime):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
                out.append(cell)
            elif isinstance(value, dt.date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
    book.save(handle)


def write_table(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    sheet_name: str = "cohort",
    bom: bool = False,
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

    Returns
    -------
    pathlib.Path
        The path written.

    Notes
    -----
    csv cells: missing values (None, NaN, NaT) are empty; booleans ``true``/``false``; dates
    ISO 8601 (a datetime at midnight is written as a date); every text cell and header passes
    through :func:`escape_formula`. xlsx cells keep numbers, booleans and dates as typed
    cells (dates formatted ``yyyy-mm-dd``); text cells are escaped the same way, so openpyxl
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
            _write_xlsx(frame, fh, sheet_name)
    return target
