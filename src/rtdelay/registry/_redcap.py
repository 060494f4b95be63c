"""Reading a REDCap raw data export with its data dictionary into the registry's tables.

The data dictionary (REDCap's 18-column csv, e.g. written by ``rtdelay dictionary --format
redcap``) tells each field's instrument, type and choices. Its first field is the record id,
read as ``patient_id``; other field names are the cohort dictionary's column names (a hospital
whose project uses other names passes a mapping through the cohort loader first). The raw export
("csv raw", codes not labels) may be longitudinal and have repeating instruments:

* rows of the repeating instrument that holds a ``complication`` field become complication
  rows (``phase``, ``complication``, ``date``; prefixed as ``rtdelay dictionary --format
  redcap`` writes them, ``complication_``);
* every other row of a record (one per event) is merged into one patient: a field given in two
  events with different values rejects the record (reported, nothing guessed);
* radio/dropdown codes are translated with the dictionary's choices: the code is kept when every
  code of the field is already a value of the cohort dictionary, else its label is passed on;
  the cohort rules then check the value (synonyms apply);
* ``redcap_data_access_group`` becomes the ``site`` column; ``*_complete`` and survey
  timestamps are ignored; any other column that is not a known field is an error.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any

import pandas as pd

from rtdelay.cohort import COLUMNS, COMPLICATION_COLUMNS, REDCAP_COMPLICATION_PREFIX, RawTable
from rtdelay.errors import InputError

__all__ = ["REDCAP_DICTIONARY_HEADER", "read_redcap", "read_redcap_dictionary"]

REDCAP_DICTIONARY_HEADER = (
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
_SYSTEM = {
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "redcap_data_access_group",
    "redcap_survey_identifier",
}


def _read_csv(path: Path, what: str) -> list[dict[str, str]]:
    if not path.is_file():
        raise InputError(f"REDCap {what} {str(path)!r} does not exist")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"REDCap {what} {path.name} is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise InputError(f"REDCap {what} {path.name} is empty")
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]


def _choices(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split("|"):
        if "," in part:
            code, label = part.split(",", 1)
            out[code.strip()] = label.strip()
    return out


def read_redcap_dictionary(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The fields of a REDCap data dictionary: name, form, type, choices (code -> label)."""
    source = Path(path)
    rows = _read_csv(source, "data dictionary")
    first = list(rows[0]) if rows else []
    if len(first) < 6 or "Variable / Field Name" not in first[0]:
        raise InputError(
            f"{source.name} is not a REDCap data dictionary (its first column "
            "must be 'Variable / Field Name')"
        )
    fields = []
    for row in rows:
        values = list(row.values())
        fields.append(
            {
                "name": values[0],
                "form": values[1],
                "type": values[3],
                "choices": _choices(values[5]) if values[3] in ("radio", "dropdown") else {},
            }
        )
    if not fields:
        raise InputError(f"{source.name} has no fields")
    return fields


def _complication_field(name: str) -> str | None:
    """The complications column a field of the complications instrument holds, or None.

    Fields are named as ``rtdelay dictionary --format redcap`` writes them (prefix
    ``REDCAP_COMPLICATION_PREFIX``); the bare names and the ``comp_`` prefix of earlier
    dictionaries are read too.
    """
    bare = name
    for prefix in (REDCAP_COMPLICATION_PREFIX, "comp_"):
        if name.startswith(prefix):
            bare = name[len(prefix) :]
            break
    if name == "complication" or bare in ("text", "description", "name"):
        return "complication"
    return bare if bare in COMPLICATION_COLUMNS and bare != "patient_id" else None


def _decode(field: dict[str, Any], value: str) -> Any:
    if value == "":
        return None
    choices = field["choices"]
    if not choices:
        return value
    spec = COLUMNS.get(field["name"])
    allowed = {str(a) for a in (spec.allowed or ())} if spec is not None else set()
    if allowed and set(choices) <= allowed:
        return value
    return choices.get(value, value)


def read_redcap(
    data: str | os.PathLike[str], dictionary: str | os.PathLike[str]
) -> tuple[RawTable, RawTable]:
    """Read a REDCap raw export; return ``(patients, complications)`` as cohort raw tables.

    Raises
    ------
    InputError
        Not a REDCap dictionary, a column of the export that is neither a field nor a REDCap
        system column, a field that is not a cohort column.
    """
    fields = read_redcap_dictionary(dictionary)
    record_field = fields[0]["name"]
    by_name = {f["name"]: f for f in fields}
    comp_forms = {f["form"] for f in fields if _complication_field(f["name"]) == "complication"}
    unknown = [
        f["name"]
        for f in fields[1:]
        if f["type"] != "descriptive"
        and f["name"] not in COLUMNS
        and not (f["form"] in comp_forms and _complication_field(f["name"]))
    ]
    if unknown:
        raise InputError(
            f"REDCap field(s) {', '.join(map(repr, unknown[:5]))} are not columns "
            "of the rtdelay data dictionary"
        )
    source = Path(data)
    rows = _read_csv(source, "data export")
    header = list(rows[0]) if rows else []
    complete = {f"{f['form']}_complete" for f in fields}
    extra = [
        h
        for h in header
        if h not in by_name
        and h not in _SYSTEM
        and h not in complete
        and not h.endswith("_timestamp")
    ]
    if extra:
        raise InputError(
            f"{source.name}: unknown column(s) {', '.join(map(repr, extra[:5]))} "
            "(not fields of the REDCap data dictionary)"
        )
    if record_field not in header:
        raise InputError(f"{source.name}: the record id field {record_field!r} is missing")
    patients: dict[str, dict[str, Any]] = {}
    first_row: dict[str, int] = {}
    conflicts: dict[str, str] = {}
    comp_rows: list[dict[str, Any]] = []
    comp_source: list[int] = []
    for number, row in enumerate(rows, start=1):
        record = row[record_field]
        instrument = row.get("redcap_repeat_instrument", "")
        if instrument and instrument in comp_forms:
            item = {"patient_id": record}
            for name, value in row.items():
                target = _complication_field(name) if name in by_name else None
                if target and by_name[name]["form"] == instrument:
                    item[target] = _decode(by_name[name], value)
            comp_rows.append(item)
            comp_source.append(number)
            continue
        merged = patients.setdefault(record, {"patient_id": record})
        first_row.setdefault(record, number)
        group = row.get("redcap_data_access_group", "")
        if group:
            merged.setdefault("site", group)
        for name, value in row.items():
            if name == record_field or name not in by_name or name not in COLUMNS:
                continue
            decoded = _decode(by_name[name], value)
            if decoded is None:
                continue
            if merged.get(name) not in (None, decoded):
                conflicts[record] = (
                    f"{name} is {merged[name]!r} in one event and {decoded!r} in another"
                )
            merged[name] = decoded
    if conflicts:
        record, detail = next(iter(conflicts.items()))
        raise InputError(f"{source.name}: record {record}: {detail} (fix it in REDCap)")
    columns = ["patient_id", *[f["name"] for f in fields[1:] if f["name"] in COLUMNS]]
    if any("site" in p for p in patients.values()):
        columns.append("site")
    frame = pd.DataFrame(
        [{c: p.get(c) for c in columns} for p in patients.values()], columns=columns, dtype=object
    )
    comps = pd.DataFrame(comp_rows, columns=list(COMPLICATION_COLUMNS), dtype=object)
    names = {c: c for c in columns}
    patients_table = RawTable(
        frame=frame,
        source_rows=[first_row[p] for p in patients],
        path=str(source),
        format="redcap",
        original_columns=names,
    )
    comps_table = RawTable(
        frame=comps,
        source_rows=comp_source,
        path=f"{source} (complications)",
        format="redcap",
        original_columns={c: c for c in COMPLICATION_COLUMNS},
    )
    return patients_table, comps_table
