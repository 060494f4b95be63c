"""Values between the cohort layer's typed frames, Python objects and database rows.

The registry validates with the cohort layer (:func:`rtdelay.cohort.validate_cohort`): it puts
the cells of a record into a one-table frame, lets the cohort rules check and type them, and
stores the typed values. These helpers convert a validated frame to plain Python values per
row (dates as ``datetime.date``, integers as ``int``, no NaN/NaT/NA) and back.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from rtdelay.cohort import COLUMNS, RawTable, ValidationResult, validate_cohort
from rtdelay.registry._models import PATIENT_FIELDS

__all__ = ["plain", "frame_records", "validate_records", "patient_values"]


def plain(value: Any) -> Any:
    """A cell as a plain Python value: None for missing, ``datetime.date`` for dates."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
        if isinstance(value, int) and not isinstance(value, bool) and type(value) is not int:
            value = int(value)
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _dates(values: list[Any]) -> list[Any]:
    return [None if pd.isna(v) else pd.Timestamp(v).date() for v in values]


def _integers(values: list[Any]) -> list[Any]:
    return [None if v is pd.NA or v is None else int(v) for v in values]


def _booleans(values: list[Any]) -> list[Any]:
    return [None if v is pd.NA or v is None else bool(v) for v in values]


def _numbers(values: list[Any]) -> list[Any]:
    return [None if v is None or math.isnan(v) else float(v) for v in values]


def _texts(values: list[Any]) -> list[Any]:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
            for v in values]


_CONVERTERS = {"date": _dates, "integer": _integers, "boolean": _booleans, "number": _numbers}


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One dict of the dictionary's fields (plain values) per row of a validated frame.

    The frame is turned into Python objects in one step (``astype(object)``: one operation per
    block of columns, not per column; a single record is validated on every save), then each
    column is converted by its kind.
    """
    names = [name for name in PATIENT_FIELDS if name in frame.columns]
    if frame.empty or not names:
        return [{} for _ in range(len(frame))]
    cells = frame[names].astype(object).to_numpy()
    columns = [_CONVERTERS.get(COLUMNS[name].kind, _texts)(cells[:, j].tolist())
               for j, name in enumerate(names)]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def validate_records(
    rows: Sequence[Mapping[str, Any]],
    *,
    source_rows: Sequence[int] | None = None,
    source: str = "registry",
    date_order: str | None = None,
) -> ValidationResult:
    """Validate records (dicts of dictionary fields) with the cohort rules.

    Every dictionary column is present (blank where a record has no value), so a missing
    column never makes the table unusable: each record is judged on its own values.
    """
    cells = np.empty((len(rows), len(PATIENT_FIELDS)), dtype=object)  # one block, no copies
    for i, row in enumerate(rows):
        for j, name in enumerate(PATIENT_FIELDS):
            cells[i, j] = row.get(name)
    frame = pd.DataFrame(cells, columns=list(PATIENT_FIELDS), dtype=object)  # no type guessing
    numbers = list(source_rows) if source_rows is not None else list(range(1, len(rows) + 1))
    raw = RawTable(
        frame=frame,
        source_rows=numbers,
        path=source,
        format="registry",
        original_columns={name: name for name in PATIENT_FIELDS},
    )
    return validate_cohort(raw, date_order=date_order or "ymd")


def patient_values(patient: Any) -> dict[str, Any]:
    """The dictionary fields of a stored patient as plain values."""
    return {name: plain(getattr(patient, name)) for name in PATIENT_FIELDS}
