"""The data dictionary rendered from the schema: Markdown, csv and a REDCap data dictionary.

``docs/data-dictionary.md`` in the repository is :func:`dictionary_markdown` written to a file
(a test fails when the two differ; regenerate with
``rtdelay dictionary --format md --out docs/data-dictionary.md``). ``rtdelay dictionary`` prints
any of the three formats.

The REDCap file is the standard 18-column data dictionary (the csv REDCap's "Data Dictionary"
page uploads): the cohort is one instrument whose record ID is ``patient_id``; the complications
table is a second instrument meant to be set up as a repeating instrument, its fields prefixed
:data:`REDCAP_COMPLICATION_PREFIX` (REDCap variable names are unique across a project); the
registry's REDCap reader strips the same prefix.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from rtdelay.cohort._schema import (
    ALTERNATIVES,
    COLUMNS,
    COMPLICATION_COLUMNS,
    MONTH_DAYS,
    ColumnSpec,
)
from rtdelay.cohort._template import dictionary_rows

__all__ = [
    "dictionary_markdown",
    "dictionary_csv",
    "dictionary_redcap",
    "REDCAP_HEADER",
    "DICTIONARY_FORMATS",
    "REDCAP_COMPLICATION_PREFIX",
]

#: Prefix of the complications instrument's fields in the REDCap dictionary
#: (``complication_phase``, ``complication_complication``, ``complication_date``).
REDCAP_COMPLICATION_PREFIX = "complication_"

DICTIONARY_FORMATS = ("md", "csv", "redcap")

REDCAP_HEADER = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def dictionary_markdown() -> str:
    """The data dictionary as one Markdown document (the text of docs/data-dictionary.md)."""
    rows = dictionary_rows()
    header, body = rows[0], rows[1:]
    lines = [
        "# rtdelay data dictionary",
        "",
        "<!-- Generated from src/rtdelay/cohort/_schema.py by "
        "`rtdelay dictionary --format md --out docs/data-dictionary.md`; do not edit by hand. -->",
        "",
        "A cohort is one table, one row per patient (csv, tsv, xlsx, SPSS .sav or parquet), with the "
        "columns below in lower snake case. Columns can be given in the **dates form** "
        "(surgery, radiotherapy, imaging and follow-up dates) or the **durations form** "
        "(`ti_months`, `lc_months`/`lc_event`, `os_months`/`os_event`); a required column may be "
        "replaced by the columns its notes name. A mapping file (TOML, see "
        "`examples/mapping_example.toml`) maps a hospital's own column names and codes onto these.",
        "",
        "Dates are ISO (YYYY-MM-DD); other orders are read only with `--date-order dmy|mdy|ymd`. "
        f"Months are days / {MONTH_DAYS} (365.25 / 12). Category values are case-insensitive and "
        "common synonyms are recoded (e.g. sex `M` to `male`); every recoding is reported.",
        "",
        "Required: *yes* a blank cell rejects the row (unless the columns its notes name replace it); "
        "*yes, or all its components* a score total that rtdelay computes from its components when "
        "those are given; *for eligibility* a blank excludes the patient, it does not reject the row; "
        "*no (derived)* computed by rtdelay but may be given.",
        "",
        "Other formats: `rtdelay dictionary --format csv` and `rtdelay dictionary --format redcap` "
        "(a REDCap data dictionary to upload); `rtdelay template --format xlsx` writes a data-entry "
        "workbook with drop-down lists and this dictionary as a sheet.",
        "",
    ]
    for table, title in (
        ("cohort", "Cohort table"),
        ("complications", "Complications table (one row per complication)"),
    ):
        lines += [
            f"## {title}",
            "",
            "| " + " | ".join(header[1:]) + " |",
            "|" + "---|" * (len(header) - 1),
        ]
        for row in body:
            if row[0] == table:
                lines.append("| " + " | ".join(_md_cell(c) for c in row[1:]) + " |")
        lines.append("")
    return "\n".join(lines)


def dictionary_csv() -> str:
    """The data dictionary as csv (table, column, type, allowed, required, notes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(dictionary_rows())
    return buffer.getvalue()


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _redcap_row(name: str, spec: ColumnSpec, form: str, variable: str) -> list[str]:
    field_type, validation, choices = "text", "", ""
    low = high = ""
    if spec.kind == "boolean":
        field_type, choices = "yesno", ""
    elif spec.allowed is not None:
        field_type = "dropdown"
        choices = " | ".join(f"{a}, {a}" for a in spec.allowed)
    elif spec.kind == "date":
        validation = "date_ymd"
        if isinstance(spec.minimum, dt.date):
            low = spec.minimum.isoformat()
    elif spec.kind in ("number", "integer"):
        validation = "integer" if spec.kind == "integer" else "number"
        low, high = _number(spec.minimum), _number(spec.maximum)
    note_parts = []
    if spec.components:
        note_parts.append(f"computed from {', '.join(spec.components)} when those are given")
    if name in ALTERNATIVES and not spec.components:
        note_parts.append(f"may be replaced by {' + '.join(ALTERNATIVES[name])}")
    if spec.multiple_of:
        note_parts.append(f"multiples of {spec.multiple_of}")
    if spec.kind == "text" and spec.maximum is not None:
        note_parts.append(f"{_number(spec.minimum or 0)}-{_number(spec.maximum)} characters")
    required = "y" if spec.required == "yes" and variable != "patient_id" else ""
    annotation = f"rtdelay column: {name}" if variable != name else ""
    return [
        variable,
        form,
        "",
        field_type,
        spec.description[:1].upper() + spec.description[1:],
        choices,
        "; ".join(note_parts),
        validation,
        low,
        high,
        "",
        "",
        required,
        "",
        "",
        "",
        "",
        annotation,
    ]


def dictionary_redcap() -> str:
    """The data dictionary as a REDCap data dictionary (csv with the 18 standard columns)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REDCAP_HEADER)
    for name, spec in COLUMNS.items():
        writer.writerow(_redcap_row(name, spec, "cohort", name))
    for name, spec in COMPLICATION_COLUMNS.items():
        if name == "patient_id":  # the record ID links a complication to its patient
            continue
        writer.writerow(
            _redcap_row(name, spec, "complications", f"{REDCAP_COMPLICATION_PREFIX}{name}")
        )
    return buffer.getvalue()
