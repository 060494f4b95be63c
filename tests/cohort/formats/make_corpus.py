"""Generate the cohort file-format corpus in this folder (run from anywhere).

    python tests/cohort/formats/make_corpus.py

Each file is one way a hospital sends (or mis-sends) a cohort table. ``manifest.json`` (also
written here, by hand-kept literals below, not by reading the files back) says what
``rtdelay.cohort.load_table`` must do with it: load it (with the detected format, row count,
data row numbers, selected cells and notes) or refuse it with a CohortError whose message
contains a given phrase. ``tests/cohort/test_load.py`` checks every entry.

The contents are deterministic (fixed random seed, fixed workbook creation date); the save
time that openpyxl and pyreadstat stamp into xlsx and sav files still changes on each run.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = ["patient_id", "age", "sex", "histology", "surgery_date", "rt_start_date", "rt_dose_gy"]
ROWS = [
    ["007", "61.5", "male", "renal", "2019-03-04", "2019-04-01", "24"],
    ["P-002", "70", "female", "lung", "2020-01-31", "2020-03-02", "30"],
    ["P-003", "55", "female", "breast", "2018-11-12", "2018-12-10", "27"],
]


def _csv(rows: list[list[str]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    import csv

    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def _fixed_book_time(book: object) -> None:
    stamp = dt.datetime(2024, 1, 1, 0, 0, 0)
    props = book.properties  # type: ignore[attr-defined]
    props.created = stamp
    props.modified = stamp


def text_files() -> list[dict[str, object]]:
    entries: list[dict[str, object]] = []

    # 1 semicolon + decimal comma (German/French Excel export), cp1252 like Excel writes it
    rows = [[c.replace(".", ",") if c == "61.5" else c for c in r] for r in ROWS]
    rows[1][6] = "30,6"
    (HERE / "semicolon_decimal_comma.csv").write_bytes(
        _csv([HEADER, *rows], ";").encode("cp1252")
    )
    entries.append(
        {
            "file": "semicolon_decimal_comma.csv",
            "outcome": "ok",
            "format": "csv",
            "n_rows": 3,
            "source_rows": [1, 2, 3],
            "cells": [[0, "patient_id", "007"], [0, "age", "61.5"], [1, "rt_dose_gy", "30.6"]],
            "notes_contain": ["delimiter: semicolon", "decimal comma", "age", "rt_dose_gy"],
        }
    )

    # 2 tab-separated
    (HERE / "tab_separated.tsv").write_text(_csv([HEADER, *ROWS], "\t"), encoding="utf-8")
    entries.append(
        {
            "file": "tab_separated.tsv",
            "outcome": "ok",
            "format": "csv",
            "n_rows": 3,
            "source_rows": [1, 2, 3],
            "cells": [[2, "histology", "breast"], [1, "age", "70"]],
            "notes_contain": ["delimiter: tab", "encoding: UTF-8"],
        }
    )

    # 3 UTF-8 with BOM (Excel "CSV UTF-8")
    (HERE / "utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + _csv([HEADER, *ROWS]).encode("utf-8"))
    entries.append(
        {
            "file": "utf8_bom.csv",
            "outcome": "ok",
            "format": "csv",
            "n_rows": 3,
            "columns": HEADER,
            "cells": [[0, "patient_id", "007"]],
            "notes_contain": ["UTF-8 with byte-order mark", "delimiter: comma"],
        }
    )

    # 4 cp1252 with umlauts and accents in a free-text column
    header = [*HEADER, "kommentar"]
    rows = [[*ROWS[0], "Läsion T12, Gefäßprothese"], [*ROWS[1], "métastase déjà opérée"]]
    (HERE / "cp1252_accents.csv").write_bytes(_csv([header, *rows], ";").encode("cp1252"))
    entries.append(
        {
            "file": "cp1252_accents.csv",
            "outcome": "ok",
            "format": "csv",
            "n_rows": 2,
            "cells": [
                [0, "kommentar", "Läsion T12, Gefäßprothese"],
                [1, "kommentar", "métastase déjà opérée"],
            ],
            "notes_contain": ["Windows-1252", "delimiter: semicolon"],
        }
    )

    # 5 UTF-16 with BOM, tab-separated (Excel "Unicode text")
    (HERE / "utf16_unicode_text.txt").write_bytes(
        _csv([header, *rows], "\t").encode("utf-16")
    )
    entries.append(
        {
            "file": "utf16_unicode_text.txt",
            "outcome": "ok",
            "format": "csv",
            "n_rows": 2,
            "cells": [[0, "kommentar", "Läsion T12, Gefäßprothese"], [1, "sex", "female"]],
            "notes_contain": ["UTF-16", "delimiter: tab"],
        }
    )

    # 6 blank lines inside: data row numbers as the user counts them
    text = _csv([HEADER, ROWS[0]]) + "\r\n" + _csv([ROWS[1]]) + ",,,,,,\r\n" + _csv([ROWS[2]])
    (HERE / "blank_lines.csv").write_text(text, encoding="utf-8")
    entries.append(
        {
            "file": "blank_lines.csv",
            "outcome": "ok",
            "format": "csv",
            "n_rows": 3,
            "source_rows": [1, 3, 5],
            "cells": [[1, "patient_id", "P-002"], [2, "patient_id", "P-003"]],
        }
    )

    # 7 quoted values with the delimiter and a line break inside, an empty cell
    text = (
        'patient_id,age,histology,comment\r\n'
        '"P,1",61,renal,"two\r\nlines"\r\n'
        'P2,,lung,"say ""hi"""\r\n'
    )
    (HERE / "quoted_fields.csv").write_text(text, encoding="utf-8")
    entries.append(
        {
            "file": "quoted_fields.csv",
            "outcome": "ok",
            "format": "csv",
            "n_rows": 2,
            "source_rows": [1, 2],
            "cells": [
                [0, "patient_id", "P,1"],
                [0, "comment", "two\r\nlines"],
                [1, "age", None],
                [1, "comment", 'say "hi"'],
            ],
        }
    )

    # 8 empty, 9 header only, 10 PNG bytes named .csv, 11 random bytes, 12 ragged rows
    (HERE / "empty.csv").write_bytes(b"")
    entries.append({"file": "empty.csv", "outcome": "error", "error_contains": "empty"})
    (HERE / "header_only.csv").write_text(",".join(HEADER) + "\r\n\r\n", encoding="utf-8")
    entries.append(
        {"file": "header_only.csv", "outcome": "error", "error_contains": "no data rows"}
    )
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
        b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    (HERE / "png_image.csv").write_bytes(png)
    entries.append({"file": "png_image.csv", "outcome": "error", "error_contains": "PNG image"})
    rng = random.Random(20210121)
    (HERE / "random_bytes.csv").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    entries.append(
        {"file": "random_bytes.csv", "outcome": "error", "error_contains": "not a text table"}
    )
    text = _csv([HEADER, ROWS[0]]) + "P-9,61,5,male,renal,2019-03-04,2019-04-01,24\r\n"
    (HERE / "ragged_rows.csv").write_text(text, encoding="utf-8")
    entries.append(
        {"file": "ragged_rows.csv", "outcome": "error", "error_contains": "more fields than"}
    )

    # 13 German column names and codes, with a mapping file
    german = ["Patienten-Nr", "Alter", "Geschlecht", "Primärtumor", "OP-Datum", "RT-Beginn"]
    rows = [
        ["A01", "61,5", "1", "Niere", "04.03.2019", "01.04.2019"],
        ["A02", "70", "2", "Lunge", "31.01.2020", "02.03.2020"],
    ]
    (HERE / "german_columns.csv").write_bytes(_csv([german, *rows], ";").encode("cp1252"))
    (HERE / "german_mapping.toml").write_text(
        "# Mapping of a German cohort export onto the rtdelay data dictionary\n"
        'date_order = "dmy"\n\n'
        "[columns]\n"
        '"Patienten-Nr" = "patient_id"\n'
        'Alter = "age"\n'
        'Geschlecht = "sex"\n'
        '"Primärtumor" = "histology"\n'
        '"OP-Datum" = "surgery_date"\n'
        '"RT-Beginn" = "rt_start_date"\n\n'
        "[values.sex]\n"
        '"1" = "male"\n'
        '"2" = "female"\n\n'
        "[values.histology]\n"
        'Niere = "renal"\n'
        'Lunge = "lung"\n',
        encoding="utf-8",
    )
    entries.append(
        {
            "file": "german_columns.csv",
            "mapping": "german_mapping.toml",
            "outcome": "ok",
            "format": "csv",
            "n_rows": 2,
            "columns": ["patient_id", "age", "sex", "histology", "surgery_date", "rt_start_date"],
            "original_columns": {"histology": "Primärtumor", "patient_id": "Patienten-Nr"},
            "cells": [
                [0, "sex", "male"],
                [1, "sex", "female"],
                [0, "histology", "renal"],
                [0, "age", "61.5"],
                [0, "surgery_date", "04.03.2019"],
            ],
            "date_order": "dmy",
            "notes_contain": ["date order from the mapping: dmy"],
        }
    )
    # 14 the same file with a second column that the mapping also turns into "age"
    (HERE / "duplicate_after_mapping.csv").write_text(
        "Patienten-Nr;Alter;age\r\nA01;61;61\r\n", encoding="utf-8"
    )
    entries.append(
        {
            "file": "duplicate_after_mapping.csv",
            "mapping": "german_mapping.toml",
            "outcome": "error",
            "error_contains": "would both be read as 'age'",
        }
    )
    return entries


def workbook_files() -> list[dict[str, object]]:
    from openpyxl import Workbook

    entries: list[dict[str, object]] = []

    # 15 extra sheets before the cohort sheet, a title row above the header
    book = Workbook()
    _fixed_book_time(book)
    readme = book.active
    readme.title = "Readme"
    readme.append(["Cohort of the spine service, exported for rtdelay"])
    lists = book.create_sheet("Lists")
    lists.append(["sex", "histology"])
    lists.append(["male", "renal"])
    cohort = book.create_sheet("Kohorte")
    cohort.append(["Spine metastases 2018-2020"])
    cohort.append([])
    cohort.append(HEADER)
    for row in ROWS:
        cells: list[object] = list(row)
        cells[1] = float(row[1])
        cells[4] = dt.date.fromisoformat(row[4])
        cells[5] = dt.date.fromisoformat(row[5])
        cells[6] = int(row[6])
        cohort.append(cells)
        if row is ROWS[0]:
            cohort.append([None] * len(HEADER))  # a blank spreadsheet row
    complications = book.create_sheet("complications")
    complications.append(["patient_id", "phase", "complication", "date"])
    complications.append(["007", "surgery", "wound infection", dt.date(2019, 3, 20)])
    book.save(HERE / "extra_sheets.xlsx")
    entries.append(
        {
            "file": "extra_sheets.xlsx",
            "outcome": "ok",
            "format": "xlsx",
            "n_rows": 3,
            "source_rows": [1, 3, 4],
            "cells": [
                [0, "patient_id", "007"],
                [0, "age", 61.5],
                [0, "surgery_date", "date:2019-03-04"],
                [1, "rt_dose_gy", 30],
            ],
            "notes_contain": ["sheet: Kohorte", "ignored sheets: Readme, Lists, complications"],
        }
    )
    entries.append(
        {
            "file": "extra_sheets.xlsx",
            "sheet": "complications",
            "outcome": "ok",
            "format": "xlsx",
            "n_rows": 1,
            "columns": ["patient_id", "phase", "complication", "date"],
            "cells": [[0, "date", "date:2019-03-20"], [0, "complication", "wound infection"]],
        }
    )
    entries.append(
        {
            "file": "extra_sheets.xlsx",
            "sheet": "Cohort",
            "outcome": "error",
            "error_contains": "no sheet named 'Cohort'",
        }
    )

    # 16 dates typed as Excel serial numbers (no date format), 1900 system
    book = Workbook()
    _fixed_book_time(book)
    sheet = book.active
    sheet.title = "data"
    sheet.append(["patient_id", "surgery_date", "rt_start_date", "age"])
    # hand-computed: 43528 = 2019-03-04, 43556 = 2019-04-01, 43861 = 2020-01-31,
    # 43527.5 = 2019-03-03 12:00, 61 = 1900-03-01, 59 = 1900-02-28
    sheet.append(["S1", 43528, 43556, 61])
    sheet.append(["S2", 43861, "2020-03-02", 70])
    sheet.append(["S3", 43527.5, 61, 59])
    sheet.append(["S4", 59, None, 44])
    book.save(HERE / "serial_dates.xlsx")
    entries.append(
        {
            "file": "serial_dates.xlsx",
            "outcome": "ok",
            "format": "xlsx",
            "n_rows": 4,
            "cells": [
                [0, "surgery_date", "date:2019-03-04"],
                [0, "rt_start_date", "date:2019-04-01"],
                [1, "surgery_date", "date:2020-01-31"],
                [1, "rt_start_date", "2020-03-02"],
                [2, "surgery_date", "datetime:2019-03-03T12:00:00"],
                [2, "rt_start_date", "date:1900-03-01"],
                [3, "surgery_date", "date:1900-02-28"],
                [0, "age", 61],
                [2, "age", 59],
            ],
            "notes_contain": ["Excel serial numbers read as dates (1900 date system)"],
        }
    )

    # 17 a workbook without any dictionary column
    book = Workbook()
    _fixed_book_time(book)
    book.active.title = "Sheet1"
    book.active.append(["Name", "Station"])
    book.active.append(["x", "y"])
    book.save(HERE / "no_cohort_sheet.xlsx")
    entries.append(
        {
            "file": "no_cohort_sheet.xlsx",
            "outcome": "error",
            "error_contains": "no sheet has a patient_id column",
        }
    )

    # 18 a zip archive that is not a workbook, 19 an old .xls, 20 text named .xlsx
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("cohort.csv", date_time=(2024, 1, 1, 0, 0, 0))
        archive.writestr(info, _csv([HEADER, *ROWS]))
    (HERE / "zip_not_xlsx.xlsx").write_bytes(buffer.getvalue())
    entries.append(
        {"file": "zip_not_xlsx.xlsx", "outcome": "error", "error_contains": "not a readable .xlsx"}
    )
    (HERE / "old_excel.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    entries.append(
        {"file": "old_excel.xls", "outcome": "error", "error_contains": "save it as .xlsx"}
    )
    (HERE / "text_named.xlsx").write_text(_csv([HEADER, *ROWS]), encoding="utf-8")
    entries.append(
        {"file": "text_named.xlsx", "outcome": "error", "error_contains": ".csv extension"}
    )
    return entries


def other_files() -> list[dict[str, object]]:
    import pandas as pd
    import pyreadstat

    entries: list[dict[str, object]] = []

    # 21 SPSS with value labels on sex (1 male, 2 female) and a date variable
    frame = pd.DataFrame(
        {
            "patient_id": ["007", "P-002", "P-003"],
            "age": [61.5, 70.0, float("nan")],
            "sex": [1.0, 2.0, 2.0],
            "surgery_date": [dt.date(2019, 3, 4), dt.date(2020, 1, 31), None],
        }
    )
    pyreadstat.write_sav(
        frame,
        str(HERE / "labelled.sav"),
        variable_value_labels={"sex": {1: "male", 2: "female"}},
        variable_format={"surgery_date": "DATE11"},
    )
    entries.append(
        {
            "file": "labelled.sav",
            "outcome": "ok",
            "format": "sav",
            "n_rows": 3,
            "cells": [
                [0, "sex", "male"],
                [1, "sex", "female"],
                [0, "age", 61.5],
                [2, "age", None],
                [0, "surgery_date", "date:2019-03-04"],
                [2, "surgery_date", None],
                [0, "patient_id", "007"],
            ],
            "notes_contain": ["value labels applied in: sex"],
        }
    )

    # 22 parquet
    frame = pd.DataFrame(
        {
            "patient_id": ["007", "P-002"],
            "age": [61.5, None],
            "rt_fractions": pd.array([5, None], dtype="Int64"),
            "surgery_date": pd.to_datetime(["2019-03-04", None]),
            "rt_at_site": [True, False],
        }
    )
    frame.to_parquet(HERE / "cohort.parquet", index=False)
    entries.append(
        {
            "file": "cohort.parquet",
            "outcome": "ok",
            "format": "parquet",
            "n_rows": 2,
            "cells": [
                [0, "age", 61.5],
                [1, "age", None],
                [0, "rt_fractions", 5],
                [1, "rt_fractions", None],
                [0, "surgery_date", "date:2019-03-04"],
                [1, "surgery_date", None],
                [0, "rt_at_site", True],
            ],
        }
    )
    (HERE / "cohort.json").write_text(json.dumps({"patient_id": ["007"]}), encoding="utf-8")
    entries.append(
        {"file": "cohort.json", "outcome": "error", "error_contains": "unsupported file type"}
    )
    return entries


def main() -> None:
    entries = text_files() + workbook_files() + other_files()
    manifest = {
        "about": "Expected outcome of rtdelay.cohort.load_table for each corpus file "
        "(generated by make_corpus.py). cells: [frame row, column, value]; a value "
        "'date:YYYY-MM-DD' is a datetime.date, 'datetime:...' a datetime.datetime.",
        "files": entries,
    }
    (HERE / "manifest.json").write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(entries)} manifest entries to {HERE}")


if __name__ == "__main__":
    main()
