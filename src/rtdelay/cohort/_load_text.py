"""Reading delimited text files (csv, tsv, txt): encoding, delimiter, header and rows.

No type guessing: every cell stays the text that is in the file (``"007"`` stays ``"007"``); an
empty cell becomes None. Part of :mod:`rtdelay.cohort._load`.

Encoding: a byte-order mark decides (UTF-8, UTF-16, UTF-32); without one, strict UTF-8 is tried
first, then Windows-1252 (cp1252, what Excel on Windows writes in Western Europe), then Latin-1.
A file with NUL bytes and no BOM is read as UTF-16 only when its NULs sit in every other byte.

Delimiter: comma, semicolon or tab, chosen by parsing the first lines with each candidate (quotes
respected) and preferring the one that splits the header into most fields with the same number
of fields in the lines below. A file with a single column is read with a comma.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from dataclasses import dataclass, field

from rtdelay.errors import CohortError, RowIssue

__all__ = ["TextTable", "read_text_table", "binary_kind", "DELIMITER_NAMES"]

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (
        b"PK\x03\x04",
        "a zip archive (an Excel .xlsx workbook is one: if this is an Excel file, give it the "
        ".xlsx extension)",
    ),
    (
        b"\xd0\xcf\x11\xe0",
        "an old Office file (Excel .xls or Word .doc): save it as .xlsx or .csv",
    ),
    (b"$FL2", "an SPSS data file: give it the .sav extension"),
    (b"$FL3", "an SPSS data file: give it the .zsav extension"),
    (b"PAR1", "a Parquet file: give it the .parquet extension"),
    (b"\x1f\x8b", "a gzip-compressed file: uncompress it first"),
    (b"{\\rtf", "an RTF document"),
)

_SEP_HINT = re.compile(r"sep=([,;\t])[ \t]*(?:\r\n|\n|\r)")
"""Excel's optional first line naming the delimiter, e.g. ``sep=;``."""

_CONTROL_SHARE = 0.05
_CONTROL_MIN = 3
"""Decoded text with at least ``_CONTROL_MIN`` control characters making up more than
``_CONTROL_SHARE`` of its first 200,000 characters is taken for binary data (a stray control
character, such as a DOS end-of-file mark, is tolerated)."""


@dataclass
class TextTable:
    """Header, rows (text, all as wide as the header, empty cells ``""``) and their 1-based data
    row numbers."""

    header: list[str]
    rows: list[list[str]]
    source_rows: list[int]
    delimiter: str
    encoding: str
    notes: list[str] = field(default_factory=list)
    line_numbers: list[int] = field(default_factory=list)
    """The line of the file where each row starts (header and lines above it counted)."""


def binary_kind(raw: bytes) -> str | None:
    """Describe a well-known binary format from its first bytes, or None."""
    for magic, description in _MAGIC:
        if raw.startswith(magic):
            return description
    return None


def _utf16_without_bom(raw: bytes) -> str | None:
    if len(raw) < 4 or len(raw) % 2:
        return None
    even = raw[0::2].count(0)
    odd = raw[1::2].count(0)
    half = len(raw) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    """Decode the bytes; return (text, encoding name for the notes)."""
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32", "UTF-32 (with byte-order mark)"),
        (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 (with byte-order mark)"),
        (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with byte-order mark"),
        (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 (with byte-order mark)"),
        (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 (with byte-order mark)"),
    )
    for bom, codec, label in boms:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), label
            except UnicodeDecodeError:
                raise CohortError(
                    f"{name} starts with a {label.split(' ')[0]} byte-order mark but is not "
                    f"valid {label.split(' ')[0]} text"
                ) from None
    if b"\x00" in raw:
        codec16 = _utf16_without_bom(raw)
        if codec16 is not None:
            try:
                return raw.decode(codec16), f"UTF-16 ({codec16[-2:].upper()}, no byte-order mark)"
            except UnicodeDecodeError:
                pass
        raise CohortError(f"{name} is not a text table: it contains binary data (NUL bytes)")
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        byte = raw[exc.start]
    if _has_utf8_sequences(raw):
        raise CohortError(
            f"{name} is UTF-8 text except for byte 0x{byte:02X} on line {line}: that line was saved "
            "in another encoding (or the byte is damaged); correct it or save the whole file as UTF-8"
        )
    where = f"first non-UTF-8 byte 0x{byte:02X} on line {line}"
    for codec, label in (("cp1252", "Windows-1252 (cp1252)"),):
        try:
            return raw.decode(codec), f"{label} | not UTF-8: {where}"
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), f"Latin-1 (ISO-8859-1) | not UTF-8: {where}"


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _has_utf8_sequences(raw: bytes) -> bool:
    """True when the bytes hold valid multi-byte UTF-8 characters (so they were meant as UTF-8)."""
    return _UTF8_MULTIBYTE.search(raw) is not None


def _check_text(text: str, name: str) -> None:
    if "\x00" in text:
        raise CohortError(f"{name} is not a text table: it contains binary data (NUL characters)")
    sample = text[:200_000]
    controls = sum(
        1
        for ch in sample
        if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or 0x7F <= ord(ch) < 0xA0
    )
    if controls >= _CONTROL_MIN and controls > _CONTROL_SHARE * len(sample):
        raise CohortError(
            f"{name} is not a text table: {controls} of its first {len(sample)} characters are "
            "control characters (binary data?)"
        )


def _sniff(text: str) -> str:
    """Choose comma, semicolon or tab from the first lines (quotes respected)."""
    sample = text[:65_536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = ",", (0, 0.0, 0)
    for delimiter in (",", ";", "\t"):
        try:
            reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
            records = [r for r in itertools.islice(reader, 60) if any(f.strip() for f in r)]
        except csv.Error:
            continue
        if not records:
            continue
        width = len(records[0])
        if width < 2:
            continue
        below = records[1:]
        consistent = sum(len(r) == width for r in below) / len(below) if below else 1.0
        score = (1, round(consistent, 3), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _field_count_issue(number: int, record: list[str], width: int, delimiter: str) -> RowIssue:
    name = DELIMITER_NAMES[delimiter]
    return RowIssue(
        row=number,
        patient_id=None,
        column=None,
        value=delimiter.join(record[width:]),
        rule="field_count",
        message=(
            f"row {number} has {len(record)} fields but the header has {width}: is there an "
            f"unquoted {name} inside a value?"
        ),
    )


_MAX_RECORD_LINES = 20
"""A quoted value may hold line breaks (free text), but one running over more physical lines
than this is taken for a stray opening quote that swallowed the rows below it."""


def _check_runaway_quote(record: list[str], first: int, last: int, delimiter: str, name: str) -> None:
    """Refuse a record whose quoted value swallowed whole lines of the file.

    A value that spans lines and holds the delimiter on a continuation line, or that spans more
    than ``_MAX_RECORD_LINES`` lines, has eaten the delimiter structure: without this check the
    rows inside it would silently vanish (they are read as one long text cell).
    """
    if last <= first:
        return
    for value in record:
        if "\n" not in value and "\r" not in value:
            continue
        continuation = value.splitlines()[1:]
        if last - first + 1 > _MAX_RECORD_LINES or any(delimiter in line for line in continuation):
            raise CohortError(
                f"{name}: a quoted value opened on line {first} runs to line {last} and swallows "
                f"{last - first} line(s) holding the {DELIMITER_NAMES[delimiter]}-separated rows "
                "below it; is a quote character (\") missing or stray on that line? No row was "
                "read: correct the file and run again"
            )


def read_text_table(raw: bytes, name: str) -> TextTable:
    """Decode and parse a delimited text file.

    Raises
    ------
    CohortError
        Empty file, binary data, no data rows, rows with more (non-empty) fields than the
        header (an unquoted delimiter inside a value), or a quoted value that swallows the
        lines below it (a stray opening quote), named by the line where it opened.
    """
    if not raw:
        raise CohortError(f"{name} is empty (0 bytes): no header and no data rows")
    kind = binary_kind(raw)
    if kind is not None:
        raise CohortError(f"{name} is not a text table: it is {kind}")
    text, encoding = _decode(raw, name)
    _check_text(text, name)
    if not text.strip():
        raise CohortError(f"{name} holds only blank lines: no header and no data rows")
    hint = _SEP_HINT.match(text)
    notes: list[str] = []
    skipped_lines = 0
    if hint:  # Excel's "sep=;" first line names the delimiter; it is not the header
        skipped_lines = hint.group(0).count("\n") or 1
        delimiter = hint.group(1)
        text = text[hint.end() :]
        notes.append(f"delimiter named by the file's first line {hint.group(0).strip()!r}")
    else:
        delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[str]] = []
    source_rows: list[int] = []
    line_numbers: list[int] = []
    issues: list[RowIssue] = []
    number = 0
    width = 0
    previous_line = 0
    try:
        for record in reader:
            start_line, previous_line = previous_line + 1 + skipped_lines, reader.line_num
            _check_runaway_quote(record, start_line, previous_line + skipped_lines, delimiter, name)
            if header is None:
                if "".join(record).strip():
                    header = record
                    width = len(header)
                continue
            number += 1
            if not "".join(record).strip():
                continue  # blank line (or only delimiters / spaces): counted, not kept
            if len(record) != width:
                if len(record) < width:
                    record = record + [""] * (width - len(record))
                elif "".join(record[width:]).strip():
                    issues.append(_field_count_issue(number, record, width, delimiter))
                    continue
                else:
                    record = record[:width]
            rows.append(record)
            source_rows.append(number)
            line_numbers.append(start_line)
    except csv.Error as exc:
        raise CohortError(f"{name} cannot be read as a table (line {reader.line_num}): {exc}") from None
    if header is None:
        raise CohortError(f"{name} holds only blank lines: no header and no data rows")
    if issues:
        shown = ", ".join(str(i.row) for i in issues[:5])
        more = f" and {len(issues) - 5} more" if len(issues) > 5 else ""
        raise CohortError(
            f"{name}: {len(issues)} row(s) have more fields than the header (rows {shown}{more}); "
            f"check for an unquoted {DELIMITER_NAMES[delimiter]} inside a value",
            issues,
        )
    encoding, _, where = encoding.partition(" | ")
    notes = [f"encoding: {encoding}", f"delimiter: {DELIMITER_NAMES[delimiter]}", *notes]
    if where:
        notes.append(f"encoding guessed: the file is {where}")
    return TextTable(
        header=header,
        rows=rows,
        source_rows=source_rows,
        delimiter=delimiter,
        encoding=encoding,
        notes=notes,
        line_numbers=line_numbers,
    )
