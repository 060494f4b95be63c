"""Column naming and cell conversions shared by the readers of :mod:`rtdelay.cohort._load`.

* headers: stripped; an empty header over an empty column is dropped, over data it becomes
  ``unnamed_<position>``; a mapping file renames, and a header that differs from a dictionary
  name only in case, spaces or hyphens (``"Patient ID"``) is given the dictionary name;
  two columns ending with one name are refused;
* codes: a mapping file's ``[values.<column>]`` codes are applied, SPSS value labels too;
* dates: in the dictionary's date columns a datetime at midnight becomes a date, and in a
  workbook a number is an Excel serial date (:func:`excel_serial_to_date`);
* decimal comma: ``61,5`` in a number column of a semicolon-delimited file becomes ``61.5``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rtdelay.cohort._mapping import Mapping
from rtdelay.errors import CohortError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "assemble",
    "decimal_comma",
    "excel_serial_to_date",
    "fix_dates",
    "header_score",
    "python_column",
    "python_value",
]

_DECIMAL_COMMA = re.compile(r"\s*[+-]?\d+,\d+\s*")
_MAX_SERIAL = 2_958_465  # 9999-12-31 in the 1900 date system
_DICT_NAME = re.compile(r"[\s\-]+")


def excel_serial_to_date(serial: float, *, epoch_1904: bool = False) -> dt.date | dt.datetime:
    """Convert an Excel serial day number to a date (a datetime when it has a time part).

    1900 system: serial 1 is 1900-01-01 and Excel counts the non-existent 1900-02-29 as serial
    60 (the Lotus 1-2-3 leap-year bug), so for ``serial > 59`` the date is
    ``1899-12-30 + serial`` days and for ``serial <= 59`` it is ``1899-12-31 + serial`` days.
    1904 system (old Mac workbooks): ``1904-01-01 + serial`` days.
    """
    if epoch_1904:
        base = dt.datetime(1904, 1, 1)
    elif serial > 59:
        base = dt.datetime(1899, 12, 30)
    else:
        base = dt.datetime(1899, 12, 31)
    moment = base + dt.timedelta(days=float(serial))
    if moment.time() == dt.time(0):
        return moment.date()
    return moment


def python_value(value: Any) -> Any:
    """Plain Python cell value: None for every missing marker and ``""``, no numpy scalars."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    name = type(value).__name__
    if name == "Timestamp":
        return value.to_pydatetime()
    if name in ("NaTType", "NAType"):
        return None
    if isinstance(value, (bool, int, dt.date, dt.time)):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if name == "Timedelta":
        return value.to_pytimedelta()
    if type(value).__module__ == "numpy":
        if name.startswith("datetime64"):
            import pandas as pd

            stamp = pd.Timestamp(value)
            return None if stamp is pd.NaT else stamp.to_pydatetime()
        return python_value(value.item())
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace") or None
    return value


def python_column(series: pd.Series) -> list[Any]:
    """A pandas column as a list of plain Python values (see :func:`python_value`)."""
    kind = series.dtype.kind
    if kind in "fiub" and type(series.dtype).__module__.startswith("numpy"):
        values = series.astype(object).tolist()
        return [None if (isinstance(v, float) and v != v) else v for v in values]
    return [python_value(v) for v in series.tolist()]


def _dictionary() -> tuple[dict[str, Any], dict[str, Any]]:
    from rtdelay.cohort._schema import COLUMNS, COMPLICATION_COLUMNS

    return COLUMNS, COMPLICATION_COLUMNS


def _as_dictionary_name(header: str) -> str | None:
    """``"Patient ID"``/``"Patient-ID"`` -> ``"patient_id"`` when that is a dictionary column."""
    cohort, complications = _dictionary()
    candidate = _DICT_NAME.sub("_", header.strip()).lower()
    if candidate in cohort or candidate in complications:
        return candidate
    return None


def target_name(header: str, mapping: Mapping | None) -> str:
    """The name a file header gets: mapped, else matched to the dictionary, else itself."""
    if mapping is not None:
        mapped = mapping.target_of(header)
        if mapped is not None:
            return mapped
    return _as_dictionary_name(header) or header


def header_score(header: Sequence[Any], mapping: Mapping | None) -> tuple[int, int]:
    """(has patient_id, number of cohort dictionary columns) of one header row."""
    cohort, _ = _dictionary()
    names = {
        target_name(str(h).strip(), mapping) for h in header if h is not None and str(h).strip()
    }
    return (int("patient_id" in names), len(names & set(cohort)))


def _label(value: Any, value_labels: dict[Any, str], target: str, mapping: Mapping | None) -> Any:
    """SPSS cell: a mapping code on the raw value first, else its value label (then mapped)."""
    if value is None:
        return None
    if mapping is not None and target in mapping.values:
        translated = mapping.translate(target, value)
        if translated is not value:
            return translated
    label = value_labels.get(value)
    if label is None:
        return value
    return mapping.translate(target, label) if mapping is not None else label


def _object_series(values: list[Any], index: Any) -> pd.Series:
    import pandas as pd

    return pd.Series(values, index=index, dtype=object)


def assemble(
    name: str,
    header: Sequence[Any],
    data: pd.DataFrame,
    mapping: Mapping | None,
    notes: list[str],
    *,
    labels: dict[int, dict[Any, str]] | None = None,
    as_read: dict[str, pd.Series] | None = None,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Name the columns of ``data`` (positional, object) and apply codes and labels.

    Returns the renamed frame and ``original_columns`` (name -> the file's header). When
    ``as_read`` is given, the cells of every column whose codes or labels were translated are
    kept there, untranslated, under the column's new name (for the quarantine file).
    """
    if len(data) == 0:
        raise CohortError(f"{name} has a header but no data rows")
    kept: list[int] = []
    names: list[str] = []
    original: dict[str, str] = {}
    first_seen: dict[str, str] = {}
    unnamed: list[str] = []
    renamed: list[str] = []
    for position, head in enumerate(header):
        text = "" if head is None else str(head).strip()
        if not text:
            if data.iloc[:, position].isna().all():
                continue
            text = f"unnamed_{position + 1}"
            unnamed.append(text)
        target = target_name(text, mapping)
        if target in first_seen:
            raise CohortError(
                f"{name}: columns {first_seen[target]!r} and {text!r} would both be read as "
                f"{target!r}; remove one or fix the mapping"
            )
        first_seen[target] = text
        if target != text and (mapping is None or mapping.target_of(text) is None):
            renamed.append(f"{text} -> {target}")
        value_labels = (labels or {}).get(position)
        column = data.iloc[:, position]
        if as_read is not None and (value_labels or (mapping is not None
                                                     and target in mapping.values)):
            as_read[target] = column
        if value_labels:
            data[position] = _object_series(
                [_label(v, value_labels, target, mapping) for v in column.tolist()], data.index
            )
        elif mapping is not None and target in mapping.values:
            data[position] = _object_series(
                [mapping.translate(target, v) for v in column.tolist()], data.index
            )
        kept.append(position)
        names.append(target)
        original[target] = text
    if not names:
        raise CohortError(f"{name} has no column headers")
    if unnamed:
        notes.append(f"columns without a header named: {', '.join(unnamed)}")
    if renamed:
        notes.append(f"column names matched to the dictionary: {'; '.join(renamed)}")
    if mapping is not None:
        missing = [own for own in mapping.columns if mapping.columns[own] not in first_seen]
        if missing:
            notes.append(f"mapping names columns not in the file: {', '.join(missing)}")
    if kept == list(range(data.shape[1])):
        frame = data  # the usual case: every column kept, no copy
    else:
        frame = data.iloc[:, kept].copy()
    frame.columns = names
    return frame, original


def fix_dates(frame: pd.DataFrame, notes: list[str], *, epoch_1904: bool | None) -> None:
    """In date columns: midnight datetimes -> dates; numbers -> Excel serial dates (xlsx only).

    ``epoch_1904`` None means the file is not a workbook: numbers are left alone.
    """
    cohort, complications = _dictionary()
    date_columns = [
        n for n in frame.columns
        if (cohort.get(n) or complications.get(n)) is not None
        and (cohort.get(n) or complications[n]).kind == "date"
    ]
    converted: list[str] = []
    for column in date_columns:
        values = frame[column].tolist()
        changed = False
        for i, value in enumerate(values):
            if isinstance(value, dt.datetime) and value.time() == dt.time(0):
                values[i] = value.date()
            elif (
                epoch_1904 is not None
                and isinstance(value, (int, float))
                and not isinstance(value, bool)
                and 1 <= value <= _MAX_SERIAL
                and value != 60
            ):
                values[i] = excel_serial_to_date(value, epoch_1904=epoch_1904)
                changed = True
        frame[column] = _object_series(values, frame.index)
        if changed:
            converted.append(column)
    if converted:
        system = "1904" if epoch_1904 else "1900"
        notes.append(
            f"Excel serial numbers read as dates ({system} date system) in: {', '.join(converted)}"
        )


def decimal_comma(
    frame: pd.DataFrame, notes: list[str], as_read: dict[str, pd.Series] | None = None
) -> None:
    """``61,5`` -> ``61.5`` in the dictionary's number and integer columns (text cells).

    The cells before conversion go to ``as_read`` (unless a column is already there).
    """
    cohort, _ = _dictionary()
    converted: list[str] = []
    for column in frame.columns:
        spec = cohort.get(column)
        if spec is None or spec.kind not in ("number", "integer"):
            continue
        values = frame[column].tolist()
        if not any(isinstance(v, str) and "," in v for v in values):
            continue
        values = [
            v.strip().replace(",", ".")
            if isinstance(v, str) and _DECIMAL_COMMA.fullmatch(v)
            else v
            for v in values
        ]
        if as_read is not None and column not in as_read:
            as_read[column] = frame[column]
        frame[column] = _object_series(values, frame.index)
        converted.append(column)
    if converted:
        notes.append(
            "decimal comma read as decimal point (semicolon-delimited file) in: "
            + ", ".join(converted)
        )
