"""Empty data-entry templates of the cohort, built from the schema (``_schema.COLUMNS``).

xlsx (the default) has three sheets:

``cohort``
    One column per data dictionary column, in the dictionary's order; bold, shaded, frozen
    header row with each column's description as a cell comment. Rows 2 to
    :data:`TEMPLATE_ROWS` + 1 carry Excel data validation: drop-down lists on categories,
    ordered grades, yes/no columns (``true``/``false``) and score components (their allowed
    points); whole-number ranges on integer columns (KPS: a multiple of 10 by a custom
    formula); decimal ranges on number columns; a date check and the ``yyyy-mm-dd`` format on
    date columns; a 1-64 character length on ``patient_id``. Text columns (``patient_id``,
    ``index_level``, ``escc_grade``) are formatted as text so that ``007`` or ``1a`` stay as
    typed.
``dictionary``
    The data dictionary as a table: table, column, type, allowed values, required, notes and
    what breaking a rule costs (the row, or only the value: the column's level).
``complications``
    ``patient_id``, ``phase`` (drop-down surgery/radiotherapy), ``complication``, ``date``.

csv: three files, because a csv file holds one table: ``<name>.csv`` (the cohort header
only), ``<name>_complications.csv`` (its header) and ``<name>_dictionary.csv`` (the dictionary
table). ``load_table`` reads a filled xlsx template (it picks the ``cohort`` sheet) and a filled
csv template unchanged.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from rtdelay.atomic import atomic_file
from rtdelay.errors import InputError

__all__ = ["write_template", "dictionary_rows", "TEMPLATE_ROWS", "TEMPLATE_FORMATS"]

TEMPLATE_ROWS = 2000
"""Rows (below the header) that carry data validation in the xlsx template."""

TEMPLATE_FORMATS = ("xlsx", "csv")

_KIND_TEXT = {
    "text": "text",
    "number": "number",
    "integer": "whole number",
    "category": "category",
    "ordered": "ordered category",
    "boolean": "yes/no (true/false)",
    "date": "date (YYYY-MM-DD)",
}
_REQUIRED_TEXT = {
    "yes": "yes",
    "no": "no",
    "or_components": "yes, or all its components",
    "eligibility": "for eligibility (blank excludes the patient)",
    "derived": "no (derived; may be given instead of its source)",
}
_TEXT_FORMAT_COLUMNS = ("patient_id", "index_level", "escc_grade")


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _allowed_text(spec: Any) -> str:
    """Human-readable allowed values / range of one column."""
    if spec.kind == "boolean":
        return "true, false"
    if spec.allowed is not None:
        return ", ".join(str(a) for a in spec.allowed)
    if spec.kind == "date":
        if isinstance(spec.minimum, dt.date):
            return f"from {spec.minimum.isoformat()}"
        return ""
    if spec.kind == "text":
        if spec.maximum is not None:
            return f"{_number(spec.minimum or 0)}-{_number(spec.maximum)} characters"
        return ""
    parts = []
    if spec.minimum is not None and spec.maximum is not None:
        parts.append(f"{_number(spec.minimum)} to {_number(spec.maximum)}")
    elif spec.minimum is not None:
        parts.append(f">= {_number(spec.minimum)}")
    elif spec.maximum is not None:
        parts.append(f"<= {_number(spec.maximum)}")
    if spec.multiple_of:
        parts.append(f"multiples of {spec.multiple_of}")
    return ", ".join(parts)


def _notes(name: str, spec: Any) -> str:
    from rtdelay.cohort._schema import ALTERNATIVES

    text = spec.description
    if spec.components:
        text += f"; computed from {', '.join(spec.components)} when those are given"
    if name in ALTERNATIVES and not spec.components:
        text += f"; may be replaced by {' + '.join(ALTERNATIVES[name])}"
    return text


_LEVEL_TEXT = {
    "row": "row: the row is rejected and quarantined",
    "field": "field: the value is treated as missing (reported and quarantined); the patient stays",
}


def _level_text(table: str, spec: Any) -> str:
    if table == "complications":
        return "row: that complication row is rejected and quarantined; the patient stays"
    return _LEVEL_TEXT.get(spec.level, spec.level)


def dictionary_rows() -> list[list[str]]:
    """The data dictionary as rows: table, column, type, allowed, required, notes, and what
    breaking a rule costs (``ColumnSpec.level``), with a header row."""
    from rtdelay.cohort._schema import COLUMNS, COMPLICATION_COLUMNS

    rows = [["table", "column", "type", "allowed", "required", "notes", "if a rule is broken"]]
    for table, columns in (("cohort", COLUMNS), ("complications", COMPLICATION_COLUMNS)):
        for name, spec in columns.items():
            rows.append(
                [
                    table,
                    name,
                    _KIND_TEXT.get(spec.kind, spec.kind),
                    _allowed_text(spec),
                    _REQUIRED_TEXT.get(spec.required, spec.required),
                    _notes(name, spec),
                    _level_text(table, spec),
                ]
            )
    return rows


def _validation(spec: Any, column: str, last_row: int) -> Any | None:
    """The openpyxl DataValidation for one column (None when nothing can be checked)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    cell = f"{column}2"
    prompt = spec.description[:250]
    options: dict[str, Any] = {
        "allow_blank": True,
        "showErrorMessage": True,
        "showInputMessage": True,
        "promptTitle": spec.name[:32],
        "prompt": prompt,
        "errorTitle": f"{spec.name}"[:32],
    }
    allowed = _allowed_text(spec)
    if spec.kind == "boolean" or spec.allowed is not None:
        values = ["true", "false"] if spec.kind == "boolean" else [str(a) for a in spec.allowed]
        validation = DataValidation(
            type="list", formula1='"' + ",".join(values) + '"', error=f"Choose one of: {allowed}",
            **options,
        )
    elif spec.kind == "integer" and spec.multiple_of:
        lo, hi, step = _number(spec.minimum), _number(spec.maximum), spec.multiple_of
        validation = DataValidation(
            type="custom",
            formula1=f"AND(ISNUMBER({cell}),{cell}>={lo},{cell}<={hi},MOD({cell},{step})=0)",
            error=f"Enter a whole number {allowed}.",
            **options,
        )
    elif spec.kind in ("integer", "number") and (
        spec.minimum is not None or spec.maximum is not None
    ):
        kind = "whole" if spec.kind == "integer" else "decimal"
        if spec.minimum is not None and spec.maximum is not None:
            validation = DataValidation(
                type=kind, operator="between", formula1=_number(spec.minimum),
                formula2=_number(spec.maximum), error=f"Enter a number from {allowed}.",
                **options,
            )
        elif spec.minimum is not None:
            validation = DataValidation(
                type=kind, operator="greaterThanOrEqual", formula1=_number(spec.minimum),
                error=f"Enter a number {allowed}.", **options,
            )
        else:
            validation = DataValidation(
                type=kind, operator="lessThanOrEqual", formula1=_number(spec.maximum),
                error=f"Enter a number {allowed}.", **options,
            )
    elif spec.kind == "date":
        earliest = spec.minimum if isinstance(spec.minimum, dt.date) else dt.date(1900, 1, 1)
        validation = DataValidation(
            type="date", operator="greaterThanOrEqual",
            formula1=f"DATE({earliest.year},{earliest.month},{earliest.day})",
            error="Enter a date (YYYY-MM-DD)"
            + (f" {allowed}." if allowed else "."),
            **options,
        )
    elif spec.kind == "text" and spec.maximum is not None:
        validation = DataValidation(
            type="textLength", operator="between", formula1=_number(spec.minimum or 1),
            formula2=_number(spec.maximum), error=f"Enter {allowed}.", **options,
        )
    else:
        return None
    validation.add(f"{column}2:{column}{last_row}")
    return validation


def _fill_sheet(sheet: Any, columns: dict[str, Any], *, rows: int) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    last_row = rows + 1
    for index, (name, spec) in enumerate(columns.items(), start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=name)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
        note = f"{_KIND_TEXT.get(spec.kind, spec.kind)}. {spec.description}"
        allowed = _allowed_text(spec)
        if allowed:
            note += f". Allowed: {allowed}"
        cell.comment = Comment(note, "rtdelay")
        sheet.column_dimensions[letter].width = max(12, min(40, len(name) + 4))
        validation = _validation(spec, letter, last_row)
        if validation is not None:
            sheet.add_data_validation(validation)
        number_format = None
        if spec.kind == "date":
            number_format = "yyyy-mm-dd"
        elif name in _TEXT_FORMAT_COLUMNS or spec.kind == "text":
            number_format = "@"
        if number_format is not None:
            for row in range(2, last_row + 1):
                sheet.cell(row=row, column=index).number_format = number_format
    sheet.freeze_panes = "B2"


def _dictionary_sheet(sheet: Any) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for row in dictionary_rows():
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    widths = {"A": 14, "B": 26, "C": 20, "D": 48, "E": 28, "F": 80}
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C2"


def _write_xlsx(target: Path, rows: int) -> None:
    from openpyxl import Workbook

    from rtdelay.cohort._schema import COLUMNS, COMPLICATION_COLUMNS

    book = Workbook()
    book.properties.created = dt.datetime(2000, 1, 1)  # not the day it is made (openpyxl
    # still stamps the save time as "modified")
    book.properties.creator = "rtdelay"
    book.properties.title = "rtdelay cohort template"
    cohort = book.active
    cohort.title = "cohort"
    _fill_sheet(cohort, COLUMNS, rows=rows)
    _dictionary_sheet(book.create_sheet("dictionary"))
    _fill_sheet(book.create_sheet("complications"), COMPLICATION_COLUMNS, rows=rows)
    with atomic_file(target, "wb") as fh:
        book.save(fh)


def _write_csv(target: Path) -> list[Path]:
    import csv

    from rtdelay.cohort._schema import COLUMNS, COMPLICATION_COLUMNS

    stem = target.with_suffix("")
    paths = [target, Path(f"{stem}_complications.csv"), Path(f"{stem}_dictionary.csv")]
    contents = [[list(COLUMNS)], [list(COMPLICATION_COLUMNS)], dictionary_rows()]
    for path, rows in zip(paths, contents, strict=True):
        with atomic_file(path, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    return paths


def write_template(
    path: str | os.PathLike[str],
    *,
    format: str = "xlsx",
    rows: int = TEMPLATE_ROWS,
) -> list[Path]:
    """Write an empty cohort data-entry template.

    Parameters
    ----------
    path : str or path-like
        The file to write (its suffix is replaced by ``.xlsx``/``.csv`` to match ``format``).
    format : {"xlsx", "csv"}, default "xlsx"
        xlsx: one workbook with the ``cohort``, ``dictionary`` and ``complications`` sheets
        and data validation. csv: ``<name>.csv``, ``<name>_complications.csv`` and
        ``<name>_dictionary.csv`` (a csv file holds one table and no validation).
    rows : int, default TEMPLATE_ROWS
        xlsx only: how many rows below the header get data validation and cell formats.

    Returns
    -------
    list of pathlib.Path
        The files written, the cohort file first.

    Raises
    ------
    InputError
        Unknown ``format`` or ``rows`` < 1.
    """
    if format not in TEMPLATE_FORMATS:
        raise InputError(f"format must be one of {', '.join(TEMPLATE_FORMATS)}, not {format!r}")
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise InputError(f"rows must be a whole number >= 1, not {rows!r}")
    target = Path(path)
    if target.suffix.lower() != f".{format}":
        target = target.with_suffix(f".{format}")
    if target.is_dir():
        raise InputError(f"cannot write the template to {str(target)!r}: it is a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    if format == "csv":
        return _write_csv(target)
    _write_xlsx(target, rows)
    return [target]
