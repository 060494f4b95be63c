"""Column and code mapping files: a hospital's own names and codes onto the data dictionary.

A mapping file is TOML (read with :mod:`tomllib`). It has up to three parts::

    # how day and month are ordered in text dates such as 03/04/2019: "dmy", "mdy" or "ymd"
    date_order = "dmy"

    # xlsx workbooks: the worksheet that holds the cohort (default: the one that looks like it)
    sheet = "Patienten"

    # [columns]: your column header = the data dictionary's column name
    [columns]
    Geschlecht = "sex"
    Alter = "age"
    "OP-Datum" = "surgery_date"

    # [values.<dictionary column>]: your code = the dictionary's value
    [values.sex]
    "1" = "male"
    "2" = "female"

    [values.rt_at_site]
    ja = true
    nein = false

Rules, checked when the file is read (a broken mapping is an error, never half applied):

* every target in ``[columns]`` and every table under ``[values]`` must name a column of the
  data dictionary (``COLUMNS``) or of the complications table (``COMPLICATION_COLUMNS``);
* two own names may not map to the same dictionary column;
* a code's target must be one of the column's allowed values (categories, ordered grades,
  ``true``/``false`` for yes/no columns, the allowed points of a score component); a category
  synonym listed in the schema (``kidney`` for ``renal``) is accepted and stored as the
  canonical value. Text and number columns take any target;
* codes are compared as text: an Excel or SPSS cell holding the number ``1`` (or ``1.0``)
  matches the code ``"1"``; letters are matched exactly first, then ignoring case.

The example ships as ``examples/mapping_example.toml``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rtdelay.errors import CohortError

__all__ = ["Mapping", "read_mapping", "parse_mapping", "code_key", "DATE_ORDERS"]

DATE_ORDERS = ("dmy", "mdy", "ymd")
"""Accepted ``date_order`` values."""

_TOP_KEYS = ("date_order", "sheet", "columns", "values")


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping file.

    Attributes
    ----------
    columns : dict[str, str]
        Own column header -> data dictionary column name.
    values : dict[str, dict[str, str]]
        Data dictionary column -> {own code (as text): dictionary value (as text)}.
    date_order : str or None
        ``"dmy"``, ``"mdy"``, ``"ymd"`` or None (ISO dates only / not stated).
    path : str or None
        The file the mapping came from.
    sheet : str or None
        The worksheet of an xlsx workbook that holds the cohort (``sheet = "..."``); an
        explicit ``sheet=`` / ``--sheet`` wins over it.
    """

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_order: str | None = None
    path: str | None = None
    sheet: str | None = None

    def target_of(self, header: str) -> str | None:
        """The dictionary column an own header maps to (exact, then case/space-insensitive)."""
        if header in self.columns:
            return self.columns[header]
        folded = _fold(header)
        for own, target in self.columns.items():
            if _fold(own) == folded:
                return target
        return None

    def translate(self, column: str, value: Any) -> Any:
        """Apply the ``[values.<column>]`` codes to one cell; unmatched cells are returned as is."""
        codes = self.values.get(column)
        if not codes or value is None:
            return value
        key = code_key(value)
        if key is None:
            return value
        if key in codes:
            return codes[key]
        folded = key.casefold()
        for own, target in codes.items():
            if own.strip().casefold() == folded:
                return target
        return value


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def code_key(value: Any) -> str | None:
    """Text form of a cell for code matching: ``1``, ``1.0`` and ``" 1 "`` all give ``"1"``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return code_key(value.item())
    text = str(value).strip()
    return text if text else None


def _line_of(text: str, name: str) -> int | None:
    """First line of ``text`` that mentions ``name`` as a key or a string (for messages)."""
    pattern = re.compile(r"(^|[\s\"'.\[=])" + re.escape(name) + r"($|[\s\"'.\]=])")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return number
    return None


def _where(source: str, text: str, name: str) -> str:
    line = _line_of(text, name)
    return f"{source}, line {line}" if line else source


def _norm_synonym(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def _canonical_target(column: str, value: Any, source: str, text: str, code: str) -> str:
    """Check one code target against the column's allowed values; return it as text."""
    from rtdelay.cohort._schema import (
        CATEGORY_SYNONYMS,
        COLUMNS,
        COMPLICATION_COLUMNS,
        FALSE_WORDS,
        TRUE_WORDS,
    )

    spec = COLUMNS.get(column) or COMPLICATION_COLUMNS[column]
    if isinstance(value, bool):
        target = "true" if value else "false"
    elif isinstance(value, (int, float, str)):
        target = code_key(value) or ""
    else:
        raise CohortError(
            f"{_where(source, text, code)}: the code {code!r} of [values.{column}] must map to a "
            f"text, number or true/false, not {type(value).__name__}"
        )
    where = _where(source, text, code)
    if spec.kind == "boolean":
        low = target.casefold()
        if low in TRUE_WORDS:
            return "true"
        if low in FALSE_WORDS:
            return "false"
        raise CohortError(
            f"{where}: [values.{column}] maps {code!r} to {target!r}, but {column} is yes/no: "
            "use true or false"
        )
    if spec.allowed is not None:
        allowed = {str(a).casefold(): str(a) for a in spec.allowed}
        if target.casefold() in allowed:
            return allowed[target.casefold()]
        synonyms = CATEGORY_SYNONYMS.get(column, {})
        if _norm_synonym(target) in synonyms:
            return synonyms[_norm_synonym(target)]
        choices = ", ".join(str(a) for a in spec.allowed)
        raise CohortError(
            f"{where}: [values.{column}] maps {code!r} to {target!r}, which is not an allowed "
            f"value of {column} ({choices})"
        )
    return target


def parse_mapping(text: str, *, source: str = "mapping") -> Mapping:
    """Parse the TOML text of a mapping file (see the module docstring for the format).

    Raises
    ------
    CohortError
        Invalid TOML (with its line and column), an unknown key or dictionary column (with the
        line that names it), a code target that is not an allowed value.
    """
    from rtdelay.cohort._schema import COLUMNS, COMPLICATION_COLUMNS

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CohortError(f"{source} is not valid TOML: {exc}") from None
    known = set(COLUMNS) | set(COMPLICATION_COLUMNS)

    for key in data:
        if key not in _TOP_KEYS:
            raise CohortError(
                f"{_where(source, text, key)}: unknown entry {key!r} in the mapping file "
                f"(expected {', '.join(_TOP_KEYS)})"
            )

    date_order = data.get("date_order")
    if date_order is not None:
        if not isinstance(date_order, str) or date_order.lower() not in DATE_ORDERS:
            raise CohortError(
                f"{_where(source, text, 'date_order')}: date_order must be one of "
                f"{', '.join(DATE_ORDERS)}, not {date_order!r}"
            )
        date_order = date_order.lower()

    sheet = data.get("sheet")
    if sheet is not None and (not isinstance(sheet, str) or not sheet.strip()):
        raise CohortError(f"{_where(source, text, 'sheet')}: sheet must be the name of a "
                          f"worksheet in quotes, not {sheet!r}")

    raw_columns = data.get("columns", {})
    if not isinstance(raw_columns, dict):
        raise CohortError(f"{_where(source, text, 'columns')}: [columns] must be a table")
    columns: dict[str, str] = {}
    seen: dict[str, str] = {}
    for own, target in raw_columns.items():
        if isinstance(target, dict):
            raise CohortError(
                f"{_where(source, text, own)}: [columns] entry {own!r} must be a column name; "
                f"quote a header that contains a dot: \"{own}.…\" = \"...\""
            )
        if not isinstance(target, str):
            raise CohortError(
                f"{_where(source, text, own)}: [columns] maps {own!r} to {target!r}; "
                "the target must be a data dictionary column name in quotes"
            )
        if target not in known:
            raise CohortError(
                f"{_where(source, text, target)}: [columns] maps {own!r} to {target!r}, which is "
                "not a column of the data dictionary"
            )
        if target in seen:
            raise CohortError(
                f"{_where(source, text, own)}: [columns] maps both {seen[target]!r} and {own!r} "
                f"to {target!r}"
            )
        seen[target] = own
        columns[str(own)] = target

    raw_values = data.get("values", {})
    if not isinstance(raw_values, dict):
        raise CohortError(f"{_where(source, text, 'values')}: [values] must hold tables")
    values: dict[str, dict[str, str]] = {}
    for column, codes in raw_values.items():
        if column not in known:
            raise CohortError(
                f"{_where(source, text, column)}: [values.{column}] names no column of the data "
                "dictionary"
            )
        if not isinstance(codes, dict):
            raise CohortError(
                f"{_where(source, text, column)}: [values.{column}] must be a table of "
                '"code" = "value" lines'
            )
        values[column] = {
            str(code).strip(): _canonical_target(column, target, source, text, str(code))
            for code, target in codes.items()
        }
    return Mapping(columns=columns, values=values, date_order=date_order, path=None,
                   sheet=sheet)


MAX_MAPPING_BYTES = 1024**2
MAX_MAPPING_NESTING = 16


def _nesting_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` outside quoted strings (a TOML parser recurses on it)."""
    depth = deepest = 0
    quote: str | None = None
    escaped = comment = False
    for ch in text:
        if comment:
            comment = ch != "\n"
            continue
        if quote is not None:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote or ch == "\n":
                quote = None
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "#":
            comment = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(depth - 1, 0)
    return deepest


def read_mapping(path: str | os.PathLike[str]) -> Mapping:
    """Read a mapping file (TOML; see the module docstring).

    Parameters
    ----------
    path : str or path-like
        The ``.toml`` file.

    Returns
    -------
    Mapping

    Raises
    ------
    CohortError
        Missing or unreadable file, invalid TOML, unknown dictionary columns, bad code targets.
    """
    target = Path(path)
    if not target.exists():
        raise CohortError(f"mapping file {str(target)!r} does not exist")
    if target.is_dir():
        raise CohortError(f"mapping file {str(target)!r} is a directory, not a file")
    if not target.is_file():
        raise CohortError(f"mapping file {str(target)!r} is not a regular file (a device or a pipe?)")
    if target.stat().st_size > MAX_MAPPING_BYTES:
        raise CohortError(
            f"mapping file {str(target)!r} is larger than {MAX_MAPPING_BYTES // 1024**2} MiB; a mapping "
            "names columns and codes, it is not a data file"
        )
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise CohortError(f"cannot read mapping file {str(target)!r}: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    depth = _nesting_depth(text)
    if depth > MAX_MAPPING_NESTING:
        raise CohortError(
            f"mapping file {target.name} nests brackets {depth} levels deep (at most "
            f"{MAX_MAPPING_NESTING}); a mapping needs two levels"
        )
    parsed = parse_mapping(text, source=target.name)
    return Mapping(
        columns=parsed.columns,
        values=parsed.values,
        date_order=parsed.date_order,
        path=str(target),
        sheet=parsed.sheet,
    )
