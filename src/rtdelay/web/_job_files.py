"""Files of analysis jobs: the uploaded cohort (size limit, type by content, private folder)
and the outputs (listing, one file by its relative name, the zip of all of them).

Uploads are copied in 1 MiB blocks into ``<jobs root>/uploads/<random>/cohort.<kind>`` (mode
0700, outside the web root); the folder is removed when the job ends (:func:`run_job`) or
when the upload is refused. The kind comes from the bytes, never from the name the browser
sent: an xlsx is a zip whose directory lists ``xl/workbook.xml`` (only the directory is read
here; the cohort loader refuses decompression bombs), sav starts with ``$FL2``/``$FL3``,
parquet has ``PAR1`` at both ends, csv is text without NUL bytes.

This is a minimal private version for the analyses page and the API; the import pages have
their own (issue 14a's ``web/_uploads.py``); the two can be merged later.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import zipfile
from pathlib import Path
from typing import IO, Any

__all__ = ["UploadRefused", "save_upload", "sniff_kind", "output_files", "output_file",
           "zip_outputs"]

_BLOCK = 1 << 20


class UploadRefused(ValueError):
    """An upload refused: ``status`` 413 (too large) or 415 (not a cohort table)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def sniff_kind(path: Path) -> str | None:
    """``csv``, ``xlsx``, ``sav`` or ``parquet`` from the file's bytes; None otherwise."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(8192)
        handle.seek(max(0, size - 4))
        tail = handle.read(4)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        return "xlsx" if {"[Content_Types].xml", "xl/workbook.xml"} <= names else None
    if head[:4] in (b"$FL2", b"$FL3"):
        return "sav"
    if head[:4] == b"PAR1" and tail == b"PAR1" and size >= 8:
        return "parquet"
    if not head or b"\x00" in head.lstrip(b"\xff\xfe\xef\xbb\xbf"):
        return None
    for encoding in ("utf-8", "latin-1"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ord(c) < 9 or 13 < ord(c) < 32 for c in text):
            return None
        return "csv"
    return None


def save_upload(stream: IO[bytes], root: Path, *, limit: int) -> Path:
    """Copy ``stream`` into a fresh private folder under ``root``; return the saved file.

    Raises :class:`UploadRefused` (413 beyond ``limit`` bytes, 415 when the content is not a
    csv, xlsx, sav or parquet table); nothing stays on disk then.
    """
    folder = root / "uploads" / secrets.token_urlsafe(16)
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(folder.parent, 0o700)
    raw = folder / "upload.bin"
    total = 0
    try:
        with raw.open("wb") as out:
            while True:
                block = stream.read(_BLOCK)
                if not block:
                    break
                total += len(block)
                if total > limit:
                    raise UploadRefused(
                        f"the file is larger than the limit of {limit / 2**20:.3g} MB", 413)
                out.write(block)
        if total == 0:
            raise UploadRefused("the file is empty", 415)
        kind = sniff_kind(raw)
        if kind is None:
            raise UploadRefused("the file is not a cohort table (csv, xlsx, sav or parquet)",
                                415)
        return raw.rename(folder / f"cohort.{kind}")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def output_files(out_dir: str | None) -> list[str]:
    """Relative names (``tables/table1.docx``) of every file of a job's output folder."""
    if not out_dir or not Path(out_dir).is_dir():
        return []
    base = Path(out_dir)
    return sorted(p.relative_to(base).as_posix() for p in base.rglob("*")
                  if p.is_file() and not p.is_symlink())


def output_file(out_dir: str | None, name: str) -> Path | None:
    """The output file ``name`` (relative, inside the folder), or None."""
    if not out_dir or not name or "\x00" in name or name.startswith(("/", "\\")):
        return None
    base = Path(out_dir).resolve()
    try:
        target = (base / name).resolve()
    except (OSError, RuntimeError):
        return None
    if base not in target.parents or not target.is_file():
        return None
    return target


def zip_outputs(out_dir: str | None) -> bytes:
    """A zip archive (in memory) of every output file of a job."""
    buffer = io.BytesIO()
    base = Path(out_dir or ".")
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in output_files(out_dir):
            archive.write(base / name, arcname=name)
    return buffer.getvalue()


def describe_outputs(names: list[str]) -> dict[str, Any]:
    """Outputs grouped for the job page: Word tables, figures (png/svg), other files."""
    tables = [n for n in names if n.startswith("tables/") and n.endswith(".docx")]
    figures = [n for n in names if n.startswith("figures/") and n.endswith((".png", ".svg"))]
    other = [n for n in names if n not in tables and n not in figures]
    return {"tables": tables, "figures": figures, "other": other}
