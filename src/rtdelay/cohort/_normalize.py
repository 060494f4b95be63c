"""Cell parsing: numbers, integers, booleans, categories with synonyms, ESCC grades, levels, dates.

A column is parsed once per *distinct* value (``pandas.factorize``), so a 100,000-row cohort
costs one Python call per distinct cell value, not per row, and the result is spread back to
the rows with numpy indexing.

Dates: ISO ``YYYY-MM-DD`` (also ``YYYY/MM/DD``, and an ISO date with a midnight time) and
Python ``date``/``datetime`` objects are always read. Day-first ``DD.MM.YYYY`` /
``DD/MM/YYYY`` / ``DD-MM-YYYY`` is read only with ``date_order="dmy"``, month-first only with
``date_order="mdy"``: without the flag such a date is an error that tells the user to pass
``--date-order`` (a date is never guessed).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rtdelay.cohort._schema import (
    CATEGORY_SYNONYMS,
    FALSE_WORDS,
    LEVEL_REGIONS,
    TRUE_WORDS,
    ColumnSpec,
)

__all__ = [
    "DATE_ORDERS",
    "CellError",
    "ParsedColumn",
    "parse_column",
    "parse_value",
    "parse_level",
    "level_ordinal",
    "normalise_word",
    "display_value",
]

DATE_ORDERS = ("dmy", "mdy")

_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_NON_ISO = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})$")
_LEVEL = re.compile(r"^(C|TH|T|L|S)(\d{1,2})$")
_WORD_SEP = re.compile(r"[\s_\-]+")
_TRUE = frozenset(TRUE_WORDS)
_FALSE = frozenset(FALSE_WORDS)


@dataclass(frozen=True)
class CellError:
    """Why one cell value cannot be used: a rule name and the end of a sentence."""

    rule: str
    detail: str


_MISSING = object()


@dataclass(frozen=True)
class ParsedColumn:
    """One parsed column.

    ``values`` is float64 (number, integer, boolean as 1.0/0.0), datetime64[ns] (date) or
    object (text, category, ordered); a blank or unusable cell is NaN/NaT/None.
    ``error`` holds, per row, an index into ``errors`` or -1; ``missing`` is True for a blank
    cell (not for an unusable one).
    """

    values: np.ndarray
    missing: np.ndarray
    error: np.ndarray
    errors: tuple[CellError, ...]


def normalise_word(text: str) -> str:
    """Lower case, trimmed, ``_``/``-``/whitespace runs turned into one space."""
    return _WORD_SEP.sub(" ", text.strip().lower()).strip()


def display_value(value: Any) -> str:
    """How a cell value is shown inside a message."""
    if isinstance(value, str):
        return repr(value) if value.strip() != value or value == "" else f'"{value}"'
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
"""A number as text: ASCII digits only. Python's ``float`` also reads ``6_1`` as 61 and
full-width digits ``６１`` as 61; neither is a number a clinician typed on purpose."""


def _as_number(value: Any, *, exponent: bool = True) -> float | CellError:
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        if not _PLAIN_NUMBER.fullmatch(text):
            if re.fullmatch(r"[+-]?\d+,\d+", text, flags=re.ASCII):
                return CellError("type", "is not a number (use a dot as the decimal separator)")
            return CellError("type", "is not a number (digits 0-9 and a decimal point only)")
        if not exponent and ("e" in text or "E" in text):
            return CellError("type", "is not a whole number (exponent notation such as 1e1 is not accepted)")
        number = float(text)
    else:
        return CellError("type", "is not a number")
    if not math.isfinite(number):
        return CellError("type", "is not a finite number")
    return number


def _check_range(number: float, spec: ColumnSpec) -> CellError | None:
    if spec.allowed is not None and number not in spec.allowed:
        allowed = ", ".join(str(a) for a in spec.allowed)
        return CellError("allowed", f"is not one of the allowed values ({allowed})")
    lo, hi = spec.minimum, spec.maximum
    if lo is not None and hi is not None and not lo <= number <= hi:
        return CellError("range", f"is outside the allowed range {lo}-{hi}")
    if lo is not None and number < lo:
        return CellError("range", f"is below the minimum {lo}")
    if hi is not None and number > hi:
        return CellError("range", f"is above the maximum {hi}")
    if spec.multiple_of is not None and number % spec.multiple_of != 0:
        return CellError("multiple_of", f"is not a multiple of {spec.multiple_of}")
    return None


def _parse_number(value: Any, spec: ColumnSpec) -> Any:
    number = _as_number(value, exponent=spec.kind != "integer")
    if isinstance(number, CellError):
        return number
    if spec.kind == "integer" and not number.is_integer():
        return CellError("integer", "is not a whole number")
    return _check_range(number, spec) or number


def _parse_boolean(value: Any, spec: ColumnSpec) -> Any:
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        if value == 1:
            return 1.0
        if value == 0:
            return 0.0
    elif isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return 1.0
        if word in _FALSE:
            return 0.0
        if _PLAIN_NUMBER.fullmatch(word) and "e" not in word and float(word) in (0.0, 1.0):
            return float(word)  # "1.0" and "1" alike (a numeric column exported as text)
    return CellError("boolean", "is not yes/no (accepted: true/false, yes/no, y/n, 1/0)")


def _parse_category(value: Any, spec: ColumnSpec) -> Any:
    allowed = spec.allowed or ()
    if isinstance(value, str):
        key = normalise_word(value)
    elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool
    ):
        key = display_value(float(value))
    else:
        key = normalise_word(str(value))
    canon = {normalise_word(a): a for a in allowed}
    if key in canon:
        return canon[key]
    synonym = CATEGORY_SYNONYMS.get(spec.name, {}).get(key)
    if synonym is not None:
        return synonym
    hint = ""
    if spec.name == "sex" and key in ("1", "2"):
        hint = "; numeric codes need a mapping file (--mapping) that states which is which"
    return CellError("allowed", f"is not one of the allowed values ({', '.join(allowed)}){hint}")


def _parse_ordered(value: Any, spec: ColumnSpec) -> Any:
    allowed = spec.allowed or ()
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool
    ):
        key = display_value(float(value))
    else:
        key = str(value).strip().lower()
        key = re.sub(r"^(grade|escc)\s*", "", key)
    if key in allowed:
        return key
    return CellError("allowed", f"is not one of the allowed values ({', '.join(allowed)})")


def level_ordinal(level: str) -> int:
    """Cranio-caudal position of a single level such as ``"T11"`` (C1 = 0)."""
    offset = 0
    for region, count in LEVEL_REGIONS.items():
        if level[0] == region:
            return offset + int(level[1:]) - 1
        offset += count
    raise ValueError(level)


def parse_level(value: Any) -> str | CellError:
    """Read ``index_level``: one level (``"T11"``) or a range (``"T11-L1"``), cranial end first.

    ``Th`` is read as ``T``; a range written caudal end first is turned round.
    """
    bad = CellError(
        "level_pattern",
        "is not a spinal level (C1-C7, T1-T12, L1-L5, S1-S5, or a range like T11-L1)",
    )
    if not isinstance(value, str):
        return bad
    parts = re.split(r"\s*[-\u2013\u2014]\s*|\s+to\s+", value.strip().upper(), flags=re.IGNORECASE)
    if not 1 <= len(parts) <= 2:
        return bad
    levels: list[str] = []
    for part in parts:
        match = _LEVEL.match(part)
        if match is None:
            return bad
        region = match.group(1)[0]
        number = int(match.group(2))
        if not 1 <= number <= LEVEL_REGIONS[region]:
            return bad
        levels.append(f"{region}{number}")
    if len(levels) == 2:
        levels.sort(key=level_ordinal)
        if levels[0] == levels[1]:
            return levels[0]
        return f"{levels[0]}-{levels[1]}"
    return levels[0]


def _parse_text(value: Any, spec: ColumnSpec) -> Any:
    if spec.name == "index_level":
        return parse_level(value)
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = display_value(value)
    lo, hi = spec.minimum, spec.maximum
    if lo is not None and len(text) < lo:
        return CellError("length", f"is shorter than {lo} character(s)")
    if hi is not None and len(text) > hi:
        return CellError("length", f"is longer than {hi} characters")
    return text


YEAR_RANGE = (1900, 2200)
"""Dates outside these years are refused as implausible (and beyond numpy's ns range)."""


def _checked(date: dt.date) -> dt.date | CellError:
    if not YEAR_RANGE[0] <= date.year <= YEAR_RANGE[1]:
        return CellError(
            "date_invalid", f"has an implausible year (accepted {YEAR_RANGE[0]}-{YEAR_RANGE[1]})"
        )
    return date


def _make_date(year: int, month: int, day: int) -> dt.date | CellError:
    try:
        return _checked(dt.date(year, month, day))
    except ValueError:
        return CellError("date_invalid", "is not a real calendar date")


def _parse_date(value: Any, spec: ColumnSpec, date_order: str | None) -> Any:
    if isinstance(value, dt.datetime):
        return _checked(value.date())
    if isinstance(value, dt.date):
        return _checked(value)
    if isinstance(value, np.datetime64):
        return _checked(pd.Timestamp(value).date())
    if isinstance(value, bool) or not isinstance(value, str):
        return CellError(
            "type", "is a number, not a date (write dates as YYYY-MM-DD)"
        ) if isinstance(value, int | float) else CellError("type", "is not a date")
    text = value.strip()
    match = _ISO.match(text)
    if match:
        return _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _NON_ISO.match(text)
    if match:
        first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        if date_order == "dmy":
            return _make_date(year, second, first)
        if date_order == "mdy":
            return _make_date(year, first, second)
        if first > 12 >= second or second > 12 >= first:
            order = "dmy" if first > 12 else "mdy"
            return CellError(
                "date_order_needed",
                f"is not an ISO date (YYYY-MM-DD); it reads as {'day-first' if order == 'dmy' else 'month-first'}: "
                f"pass --date-order {order} (or date_order = \"{order}\" in the mapping file)",
            )
        return CellError(
            "date_ambiguous",
            "is not an ISO date (YYYY-MM-DD) and could be day-first or month-first; "
            "pass --date-order dmy or --date-order mdy to say which",
        )
    return CellError("date_invalid", "is not a date (write dates as YYYY-MM-DD)")


def parse_value(value: Any, spec: ColumnSpec, *, date_order: str | None = None) -> Any:
    """Parse one non-blank cell; return the typed value or a :class:`CellError`.

    Numbers, integers and booleans come back as float (booleans 1.0/0.0), dates as
    ``datetime.date``, everything else as ``str``. A blank cell gives the module sentinel
    (see :func:`parse_column`).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _MISSING
    if isinstance(value, str) and value.strip() == "":
        return _MISSING
    kind = spec.kind
    if kind in ("number", "integer"):
        return _parse_number(value, spec)
    if kind == "boolean":
        return _parse_boolean(value, spec)
    if kind == "category":
        return _parse_category(value, spec)
    if kind == "ordered":
        return _parse_ordered(value, spec)
    if kind == "date":
        return _parse_date(value, spec, date_order)
    return _parse_text(value, spec)


_SMALL = 32
"""Columns this short are factorised in plain Python (pandas' hash table costs more to set up
than it saves: a registry form validates one record at a time)."""


def _is_blank(value: Any) -> bool:
    """What ``pandas.factorize`` counts as missing (None, NaN, NaT, NA) in an object column."""
    if value is None or isinstance(value, str):
        return value is None
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _factorize_small(values: list[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes (-1 for missing) and distinct values of a short column, as ``pandas.factorize``
    gives them; None if a value is unhashable (pandas then decides).

    Values are told apart by Python equality, as pandas does: ``True``, ``1`` and ``1.0`` are
    one value, represented by the first seen, whatever the column's length.
    """
    index: dict[Any, int] = {}
    uniques: list[Any] = []
    codes = np.full(len(values), -1, dtype=np.intp)
    try:
        for i, value in enumerate(values):
            if _is_blank(value):
                continue
            code = index.get(value)
            if code is None:
                code = index[value] = len(uniques)
                uniques.append(value)
            codes[i] = code
    except TypeError:
        return None
    out = np.empty(len(uniques), dtype=object)
    out[:] = uniques
    return codes, out


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    if len(series) <= _SMALL:
        small = _factorize_small(series.tolist())
        if small is not None:
            return small
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:
        codes, uniques = pd.factorize(series.map(str), use_na_sentinel=True)
    return np.asarray(codes), np.asarray(uniques, dtype=object)


def parse_column(
    series: pd.Series, spec: ColumnSpec, *, date_order: str | None = None
) -> ParsedColumn:
    """Parse a whole column, one Python call per distinct value.

    Parameters
    ----------
    series : pandas.Series
        Cells as read (str, numbers, dates, None).
    spec : ColumnSpec
        The column's rules.
    date_order : {"dmy", "mdy"} or None
        How to read non-ISO dates; None refuses them.
    """
    codes, uniques = _factorize(series)
    n_unique = len(uniques)
    if spec.kind == "date":
        typed = np.full(n_unique + 1, np.datetime64("NaT"), dtype="datetime64[ns]")
    elif spec.kind in ("number", "integer", "boolean"):
        typed = np.full(n_unique + 1, np.nan, dtype=float)
    else:
        typed = np.full(n_unique + 1, None, dtype=object)
    u_missing = np.zeros(n_unique + 1, dtype=bool)
    u_missing[n_unique] = True
    u_error = np.full(n_unique + 1, -1, dtype=np.int64)
    errors: list[CellError] = []
    error_index: dict[CellError, int] = {}
    for i, value in enumerate(uniques):
        result = parse_value(value, spec, date_order=date_order)
        if result is _MISSING:
            u_missing[i] = True
        elif isinstance(result, CellError):
            if result not in error_index:
                error_index[result] = len(errors)
                errors.append(result)
            u_error[i] = error_index[result]
        elif spec.kind == "date":
            typed[i] = np.datetime64(result, "ns")
        else:
            typed[i] = result
    idx = np.where(codes < 0, n_unique, codes)
    return ParsedColumn(
        values=typed[idx],
        missing=u_missing[idx],
        error=u_error[idx],
        errors=tuple(errors),
    )
