"""Reading a cohort file in any format a hospital sends: csv/tsv/txt, xlsx, SPSS sav, parquet.

``load_table`` reads one table and hands it on *as read*: object columns, the file's own cell
values (text for csv, Python numbers, dates and text for the other formats), renamed to the data
dictionary's names through an optional mapping file (:mod:`rtdelay.cohort._mapping`). It does
not judge the values; :mod:`rtdelay.cohort._validate` does. It refuses, with one
:class:`~rtdelay.errors.CohortError` sentence, only files that are not a usable table at all.

Format details
--------------
csv, tsv, txt
    Encoding and delimiter detected (:mod:`rtdelay.cohort._load_text`; an Excel ``sep=;``
    first line is honoured); no type guessing.
    Decimal comma: when the delimiter is a semicolon (the usual German/French Excel export), a
    cell like ``61,5`` in a number column of the dictionary is read as ``61.5`` (and noted);
    with any other delimiter such a cell is left as text for the validator to report.
xlsx, xlsm
    openpyxl (read-only, cached formula values). The cohort sheet is the one named by
    ``sheet=``, else the sheet whose header row (searched in the first 20 rows) has
    ``patient_id`` and most dictionary columns; other sheets are ignored and noted. Numbers in
    a date column are Excel serial dates of the workbook's date system: in the 1900 system a
    serial ``s`` > 59 is ``1899-12-30 + s`` days (Excel counts a 29 February 1900 that never
    was), ``s`` <= 59 is ``1899-12-31 + s`` days; in the 1904 system ``1904-01-01 + s`` days.
sav, zsav (SPSS)
    pyreadstat. Value labels are applied (``1`` labelled ``Male`` gives ``"Male"``; the
    validator maps synonyms); a mapping file's codes for that column are tried on the raw code
    first. SPSS dates come as dates.
parquet
    pandas with pyarrow, the optional ``rtdelay[parquet]`` extra (one-line error without it).

``.xls`` (Excel 97-2003) and ``.ods`` are refused with the advice to save as ``.xlsx``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rtdelay.cohort._load_columns import (
    assemble,
    decimal_comma,
    excel_serial_to_date,
    fix_dates,
    python_column,
    python_value,
)
from rtdelay.cohort._mapping import Mapping, read_mapping
from rtdelay.errors import CohortError, MissingExtraError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["RawTable", "load_table", "SUPPORTED_SUFFIXES", "excel_serial_to_date"]

_TEXT = (".csv", ".tsv", ".txt")
_XLSX = (".xlsx", ".xlsm")
_SAV = (".sav", ".zsav")
_PARQUET = (".parquet", ".pq")
SUPPORTED_SUFFIXES = _TEXT + _XLSX + _SAV + _PARQUET
_REFUSED = {
    ".xls": "the old Excel .xls format is not supported: open it in Excel and save it as .xlsx",
    ".ods": "OpenDocument spreadsheets are not supported: save it as .xlsx or .csv",
    ".numbers": "Apple Numbers files are not supported: export it as .xlsx or .csv",
    ".dta": "Stata files are not supported: export it as .csv, .xlsx or .sav",
    ".sas7bdat": "SAS files are not supported: export it as .csv, .xlsx or .sav",
}


_Read = tuple["pd.DataFrame", "list[int] | tuple[list[int], list[int]]", dict[str, str], list[str], str, dict[str, Any]]


@dataclass(frozen=True)
class RawTable:
    """A table as read from a file, before validation.

    Attributes
    ----------
    frame : pandas.DataFrame
        Object columns named with the data dictionary's names where a mapping (or a header that
        differs only in case, spaces or hyphens) says so, else the file's own headers.
    source_rows : list[int]
        ``source_rows[i]`` is the 1-based data row number (header not counted, blank lines
        counted) of ``frame`` row ``i``.
    display_rows : list[int]
        Where a person looks for ``frame`` row ``i``: the spreadsheet row (header row and the
        rows above it counted) of an xlsx sheet, the line number of a csv file (the row number
        a spreadsheet program shows for it too); the data row for sav and parquet.
    path : str
    format : str
        ``"csv"``, ``"xlsx"``, ``"sav"`` or ``"parquet"``.
    original_columns : dict[str, str]
        Column name in ``frame`` -> the file's own header.
    notes : list[str]
        What was detected (encoding, delimiter, sheet, ignored sheets, conversions).
    date_order : str or None
        ``date_order`` of the mapping file (``"dmy"``, ``"mdy"``, ``"ymd"``), for the date parser.
    as_read : dict[str, pandas.Series]
        For each column whose cells were translated (mapping codes, SPSS value labels, decimal
        comma), its cells as the file gave them, aligned with ``frame``: the quarantine file
        shows rejected rows as they came in.
    """

    frame: pd.DataFrame
    source_rows: list[int]
    path: str
    format: str
    original_columns: dict[str, str]
    notes: list[str] = field(default_factory=list)
    date_order: str | None = None
    as_read: dict[str, pd.Series] = field(default_factory=dict)
    display_rows: list[int] = field(default_factory=list)


def _positional(columns: list[list[Any]], n_rows: int) -> pd.DataFrame:
    """Object frame with integer column labels 0..k-1 from column lists."""
    import pandas as pd

    return pd.DataFrame(
        {j: pd.Series(v, dtype=object) for j, v in enumerate(columns)},
        index=pd.RangeIndex(n_rows),
    )


def _read_text(path: Path, mapping: Mapping | None) -> _Read:
    import numpy as np
    import pandas as pd

    from rtdelay.cohort._load_text import read_text_table

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CohortError(f"cannot read {path.name}: {exc.strerror}") from None
    table = read_text_table(raw, path.name)
    width = len(table.header)
    if table.rows:
        cells = np.array(table.rows, dtype=object)
        cells[cells == ""] = None
    else:
        cells = np.empty((0, width), dtype=object)
    data = pd.DataFrame(cells, columns=pd.RangeIndex(width), dtype=object, copy=False)
    notes = list(table.notes)
    as_read: dict[str, Any] = {}
    frame, original = assemble(path.name, table.header, data, mapping, notes, as_read=as_read)
    if table.delimiter == ";":
        decimal_comma(frame, notes, as_read)
    return frame, (table.source_rows, table.line_numbers), original, notes, "csv", as_read


def _read_xlsx(path: Path, mapping: Mapping | None, sheet: str | None) -> _Read:
    from rtdelay.cohort._load_sheets import read_workbook

    header, rows, source_rows, notes, epoch_1904, header_row = read_workbook(path, mapping, sheet)
    columns = [
        [python_value(r[j]) if j < len(r) else None for r in rows] for j in range(len(header))
    ]
    as_read: dict[str, Any] = {}
    frame, original = assemble(
        path.name, header, _positional(columns, len(rows)), mapping, notes, as_read=as_read
    )
    fix_dates(frame, notes, epoch_1904=epoch_1904)
    return frame, (source_rows, [r + header_row for r in source_rows]), original, notes, "xlsx", as_read


def _read_sav(path: Path, mapping: Mapping | None) -> _Read:
    import pyreadstat

    try:
        data, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    except Exception as exc:  # pyreadstat raises its own and OS errors for broken files
        reason = str(exc).strip() or type(exc).__name__
        raise CohortError(f"{path.name} is not a readable SPSS data file ({reason})") from None
    header = [str(c) for c in data.columns]
    columns = [python_column(data.iloc[:, j]) for j in range(data.shape[1])]
    labels = {
        j: dict(meta.variable_value_labels[c])
        for j, c in enumerate(header)
        if c in meta.variable_value_labels
    }
    notes = [f"SPSS file: {len(header)} variables, {len(data)} cases"]
    if labels:
        notes.append("value labels applied in: " + ", ".join(header[j] for j in labels))
    as_read: dict[str, Any] = {}
    frame, original = assemble(
        path.name, header, _positional(columns, len(data)), mapping, notes, labels=labels,
        as_read=as_read,
    )
    _user_missing(data, meta, frame, original, notes, as_read)
    fix_dates(frame, notes, epoch_1904=None)
    return frame, list(range(1, len(data) + 1)), original, notes, "sav", as_read


def _user_missing(
    data: pd.DataFrame, meta: Any, frame: pd.DataFrame, original: dict[str, str], notes: list[str],
    as_read: dict[str, Any],
) -> None:
    """SPSS user-missing codes (e.g. 999 = not known) are blank for the analysis; the quarantine
    file keeps the code as it came in (``as_read``)."""
    import numpy as np

    ranges = dict(getattr(meta, "missing_ranges", None) or {})
    for column, values in (getattr(meta, "missing_user_values", None) or {}).items():
        ranges.setdefault(column, []).extend({"lo": v, "hi": v} for v in values)
    blanked: list[str] = []
    for target, source in original.items():
        spans = ranges.get(source)
        if not spans or target not in frame.columns:
            continue
        raw = data[source]
        mask = np.zeros(len(raw), dtype=bool)
        for span in spans:
            lo, hi = span.get("lo"), span.get("hi")
            try:
                mask |= ((raw >= lo) & (raw <= hi)).to_numpy(dtype=bool)
            except TypeError:  # string variables: discrete codes
                mask |= (raw == lo).to_numpy(dtype=bool)
        if mask.any():
            as_read.setdefault(target, frame[target].copy())
            column = frame[target].copy()
            column[mask] = None
            frame[target] = column
            blanked.append(target)
    if blanked:
        notes.append("SPSS user-missing values read as blank (kept as given in the quarantine) in: "
                     + ", ".join(blanked))


def _parquet_plain_columns(name: str, data: pd.DataFrame, notes: list[str]) -> None:
    """Decimal columns (databases export NUMERIC so) become numbers; nested columns are refused."""
    import decimal

    import numpy as np

    converted: list[str] = []
    for column in data.columns:
        series = data[column]
        if series.dtype != object:
            continue
        sample = series.dropna()
        if sample.empty:
            continue
        first = sample.iloc[0]
        if isinstance(first, (list, tuple, dict, set, np.ndarray)):
            raise CohortError(
                f"{name}: column {str(column)!r} holds nested values (lists or structures); a cohort "
                "needs one value per cell: flatten or drop that column"
            )
        if all(isinstance(v, decimal.Decimal) for v in sample):
            data[column] = [None if v is None or v != v else float(v) for v in series]
            converted.append(str(column))
    if converted:
        notes.append(f"decimal columns read as numbers: {', '.join(converted)}")


PARQUET_EXTRA_MESSAGE = (
    "reading a Parquet file needs pyarrow, which is optional: pip install 'rtdelay[parquet]'"
)


def _read_parquet(path: Path, mapping: Mapping | None) -> _Read:
    import importlib.util

    import pandas as pd

    if importlib.util.find_spec("pyarrow") is None and importlib.util.find_spec("fastparquet") is None:
        raise MissingExtraError(f"{path.name}: {PARQUET_EXTRA_MESSAGE}")
    try:
        data = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for broken files
        reason = str(exc).strip() or type(exc).__name__
        raise CohortError(f"{path.name} is not a readable Parquet file ({reason})") from None
    notes = [f"Parquet file: {data.shape[1]} columns, {len(data)} rows"]
    if not isinstance(data.index, pd.RangeIndex):
        clash = [str(n) for n in data.index.names if n is not None and n in data.columns]
        if clash:
            raise CohortError(
                f"{path.name}: the table's index is named {clash[0]!r}, like one of its columns; "
                "save it without the index (pandas: to_parquet(..., index=False))"
            )
        data = data.reset_index()
    _parquet_plain_columns(path.name, data, notes)
    header = [str(c) for c in data.columns]
    columns = [python_column(data.iloc[:, j]) for j in range(data.shape[1])]
    as_read: dict[str, Any] = {}
    frame, original = assemble(
        path.name, header, _positional(columns, len(data)), mapping, notes, as_read=as_read
    )
    fix_dates(frame, notes, epoch_1904=None)
    return frame, list(range(1, len(data) + 1)), original, notes, "parquet", as_read


def load_table(
    path: str | os.PathLike[str],
    *,
    mapping: Mapping | str | os.PathLike[str] | None = None,
    sheet: str | None = None,
) -> RawTable:
    """Read one cohort (or complications) table from csv/tsv/txt, xlsx, sav or parquet.

    Parameters
    ----------
    path : str or path-like
        The file; its extension chooses the reader.
    mapping : Mapping, str or path-like, optional
        A parsed mapping or the path of a mapping TOML file (:func:`read_mapping`): own column
        names -> dictionary names, own codes -> dictionary values, date order.
    sheet : str, optional
        xlsx only: the worksheet to read (default: the one that looks like the cohort).

    Returns
    -------
    RawTable

    Raises
    ------
    CohortError
        The file is missing, a directory, empty, has no data rows, is binary or not a table,
        has an unsupported extension, has no matching sheet, or two columns that map to the
        same name.
    """
    import pandas as pd

    target = Path(path)
    if isinstance(mapping, (str, os.PathLike)):
        mapping = read_mapping(mapping)
    if not target.exists():
        raise CohortError(f"cohort file {str(target)!r} does not exist")
    if target.is_dir():
        raise CohortError(f"{str(target)!r} is a directory, not a cohort file")
    if not target.is_file():
        raise CohortError(f"{str(target)!r} is not a regular file (a device or a pipe?)")
    if not os.access(target, os.R_OK):
        raise CohortError(f"cohort file {str(target)!r} cannot be read (permission denied)")
    suffix = target.suffix.lower()
    if suffix in _REFUSED:
        raise CohortError(f"{target.name}: {_REFUSED[suffix]}")
    if target.stat().st_size == 0:
        raise CohortError(f"{target.name} is empty (0 bytes): no header and no data rows")
    if sheet is not None and suffix not in _XLSX:
        raise CohortError(f"{target.name}: a sheet can only be chosen in an .xlsx workbook")
    mapped_sheet = mapping.sheet if mapping is not None else None
    sheet_note = None
    if sheet is None and mapped_sheet is not None:
        if suffix in _XLSX:
            sheet = mapped_sheet
            sheet_note = f"sheet {mapped_sheet!r} named by the mapping file"
        else:
            sheet_note = (f"the mapping file names the sheet {mapped_sheet!r}; "
                          f"{target.name} has no sheets, so it was not used")
    if suffix in _TEXT:
        result = _read_text(target, mapping)
    elif suffix in _XLSX:
        try:
            result = _read_xlsx(target, mapping, sheet)
        except CohortError as exc:
            if sheet_note is None or "no sheet named" not in str(exc):
                raise
            where = Path(mapping.path).name if mapping is not None and mapping.path else "mapping"
            raise CohortError(f"{exc} (the sheet is named in the mapping file {where})") from None
    elif suffix in _SAV:
        result = _read_sav(target, mapping)
    elif suffix in _PARQUET:
        result = _read_parquet(target, mapping)
    else:
        raise CohortError(
            f"{target.name}: unsupported file type {suffix or '(no extension)'!r}; give a "
            f"cohort as {', '.join(SUPPORTED_SUFFIXES)}"
        )
    frame, source_rows, original, notes, fmt, as_read = result
    display_rows: list[int] = []
    if isinstance(source_rows, tuple):  # (data rows, rows as a person sees them)
        source_rows, display_rows = source_rows
    frame.index = pd.RangeIndex(len(frame))
    if mapping is not None and mapping.date_order:
        notes.append(f"date order from the mapping: {mapping.date_order}")
    if sheet_note is not None:
        notes.append(sheet_note)
    return RawTable(
        frame=frame,
        source_rows=list(source_rows),
        path=str(target),
        format=fmt,
        original_columns=original,
        notes=notes,
        date_order=mapping.date_order if mapping is not None else None,
        as_read={name: column.set_axis(frame.index) for name, column in as_read.items()},
        display_rows=list(display_rows) or list(source_rows),
    )
