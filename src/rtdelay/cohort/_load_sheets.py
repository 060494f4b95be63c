"""Reading the cohort sheet of an Excel workbook (.xlsx/.xlsm) with openpyxl.

Part of :mod:`rtdelay.cohort._load`. The workbook is opened read-only with cached formula
values. The header row is searched in the first :data:`HEADER_SEARCH_ROWS` rows of each sheet
(a title line above the header is common); the sheet chosen is the one named by ``sheet``, else
a visible sheet named ``cohort``, else the visible sheet whose header has ``patient_id`` and the
most data dictionary columns (ties: the first). A hidden sheet is read only when no visible sheet
holds the cohort, and the notes say so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rtdelay.cohort._mapping import Mapping
from rtdelay.errors import CohortError

__all__ = ["read_workbook", "HEADER_SEARCH_ROWS"]

HEADER_SEARCH_ROWS = 20

MAX_UNCOMPRESSED_BYTES = 4 * 1024**3
"""Largest total declared uncompressed size of a workbook's parts (4 GiB, about 4 million
cohort rows)."""
MAX_RATIO = 500
MIN_RATIO_CHECK_BYTES = 50 * 1024**2
"""A part that declares more than 50 MiB and over 500 times its compressed size is a
decompression bomb: real sheets compress about 5 to 50 times."""


def _check_zip(path: Path) -> None:
    """Refuse a decompression bomb from the zip directory alone, before anything is inflated.

    Python's zipfile never inflates a member beyond its declared size, so the declared sizes
    bound the memory and time the read can take.
    """
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CohortError(f"{path.name} is not a readable .xlsx workbook ({exc})") from None
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise CohortError(
            f"{path.name} would unpack to {total / 1024**3:.1f} GiB (limit "
            f"{MAX_UNCOMPRESSED_BYTES / 1024**3:.0f} GiB); refused before unpacking: save the "
            "cohort as csv or split it"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MIN_RATIO_CHECK_BYTES and ratio > MAX_RATIO:
            raise CohortError(
                f"{path.name}: part {info.filename} would unpack {ratio:,.0f} times its size "
                f"({info.file_size / 1024**2:,.0f} MiB): a decompression bomb, refused before unpacking"
            )


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _open(path: Path) -> Any:
    from openpyxl import load_workbook

    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise CohortError(
            f"{path.name} is an old Excel .xls file with an .xlsx name: open it in Excel and "
            "save it as .xlsx"
        )
    if not head.startswith(b"PK"):
        raise CohortError(
            f"{path.name} is not an Excel .xlsx workbook (an .xlsx file is a zip archive; if "
            "this is a text table, give it the .csv extension)"
        )
    _check_zip(path)
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl/zipfile raise many types for broken workbooks
        reason = str(exc).strip().rstrip(".") or type(exc).__name__
        raise CohortError(f"{path.name} is not a readable .xlsx workbook ({reason})") from None


def _find_header(sheet: Any, mapping: Mapping | None) -> tuple[int, tuple[int, int], tuple[Any, ...]]:
    """(1-based header row, score, header cells) of one sheet; row 0 when the sheet is empty."""
    from rtdelay.cohort._load_columns import header_score

    best_row, best_score, best_cells = 0, (-1, -1), ()
    first_row, first_cells = 0, ()
    for number, cells in enumerate(
        sheet.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, values_only=True), start=1
    ):
        if all(_empty(c) for c in cells):
            continue
        if not first_row:
            first_row, first_cells = number, cells
        score = header_score(cells, mapping)
        if score > best_score:
            best_row, best_score, best_cells = number, score, cells
    if best_score <= (0, 0):
        return first_row, (0, 0), first_cells
    return best_row, best_score, best_cells


def _visible(sheet: Any) -> bool:
    return getattr(sheet, "sheet_state", "visible") == "visible"


def read_workbook(
    path: Path, mapping: Mapping | None, sheet: str | None
) -> tuple[list[Any], list[tuple[Any, ...]], list[int], list[str], bool, int]:
    """Header, data rows (tuples of cell values), data row numbers, notes, 1904 date system, header row.

    Raises
    ------
    CohortError
        Not a readable xlsx, unknown ``sheet``, no sheet with dictionary columns, no data rows.
    """
    book = _open(path)
    try:
        sheets = list(book.worksheets)
        names = [s.title for s in sheets]
        if not sheets:
            raise CohortError(f"{path.name} has no worksheets")
        scanned = [(s, *_find_header(s, mapping)) for s in sheets]
        if sheet is not None:
            chosen = [t for t in scanned if t[0].title == sheet]
            if not chosen:
                raise CohortError(
                    f"{path.name} has no sheet named {sheet!r} (sheets: {', '.join(names)})"
                )
            ws, header_row, _score, header = chosen[0]
        else:
            ranked = [t for t in scanned if t[2] > (0, 0)]
            if not ranked:
                raise CohortError(
                    f"{path.name}: no sheet has a patient_id column or any data dictionary "
                    f"column in its first {HEADER_SEARCH_ROWS} rows (sheets: {', '.join(names)}); "
                    "name the sheet to read, or give a mapping file for your column names"
                )
            visible = [t for t in ranked if _visible(t[0])]
            named = [t for t in visible if t[0].title.strip().lower() == "cohort"]
            pool = named or visible or ranked
            top = max(t[2] for t in pool)
            ws, header_row, _score, header = next(t for t in pool if t[2] == top)
        if not header_row:
            raise CohortError(f"{path.name}: sheet {ws.title!r} is empty: no header and no data rows")
        epoch = getattr(book, "epoch", None)
        epoch_1904 = bool(epoch is not None and epoch.year == 1904)
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()  # some writers store a wrong sheet size; read every row
        rows: list[tuple[Any, ...]] = []
        source_rows: list[int] = []
        try:
            for number, cells in enumerate(
                ws.iter_rows(min_row=header_row + 1, values_only=True), start=header_row + 1
            ):
                if all(_empty(c) for c in cells):
                    continue
                rows.append(tuple(cells))
                source_rows.append(number - header_row)
        except Exception as exc:  # a corrupt sheet part inside a valid zip
            raise CohortError(f"{path.name}: sheet {ws.title!r} cannot be read ({exc})") from None
    finally:
        book.close()
    width = max([len(header)] + [len(r) for r in rows])
    header_cells = list(header) + [None] * (width - len(header))
    notes = [f"sheet: {ws.title} (header in spreadsheet row {header_row})"]
    if not _visible(ws):
        notes.append(f"sheet {ws.title!r} is hidden in the workbook; it was read because "
                     + ("--sheet named it" if sheet is not None else "no visible sheet holds the cohort"))
    hidden = [s.title for s in sheets if not _visible(s) and s.title != ws.title]
    if hidden:
        notes.append(f"hidden sheets not read: {', '.join(hidden)}")
    ignored = [n for n in names if n != ws.title]
    if ignored:
        notes.append(f"ignored sheets: {', '.join(ignored)}")
    if epoch_1904:
        notes.append("workbook uses the 1904 date system")
    if not rows:
        raise CohortError(f"{path.name}: sheet {ws.title!r} has a header but no data rows")
    return header_cells, rows, source_rows, notes, epoch_1904, header_row
