"""Files of analysis jobs: the uploaded cohort (size limit, type by content, private folder)
and the outputs (listing, one file by its relative name, the zip of all of them).

Uploads go through the import pages' upload code (:mod:`rtdelay.web._uploads`: size limit,
type by content, never by name) into ``<jobs root>/uploads/<random>/cohort.<kind>`` (mode
0700, outside the web root); the folder is removed when the job ends (:func:`run_job`) or
when the upload is refused.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import zipfile
from pathlib import Path
from typing import Any

from rtdelay.web._settings import WebSettings
from rtdelay.web._uploads import UploadError
from rtdelay.web._uploads import save_upload as save_stored

__all__ = ["UploadRefused", "save_upload", "output_files", "output_file", "zip_outputs"]


UploadRefused = UploadError
"""An upload refused: ``status`` 413 (too large), 415 (not a cohort table) or 400 (empty)."""


async def save_upload(upload: Any, root: Path, settings: WebSettings) -> Path:
    """Save a Starlette ``UploadFile`` into a fresh private folder under ``root``; return it.

    The limit and the type check are :func:`rtdelay.web._uploads.save_upload`'s (the import
    pages' upload code); the file is ``<root>/uploads/<random>/cohort.<kind>``. Raises
    :class:`UploadRefused`; nothing stays on disk then.
    """
    folder = root / "uploads" / secrets.token_urlsafe(16)
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(folder.parent, 0o700)
    try:
        stored = await save_stored(upload, folder, "cohort", settings)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return stored.path


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


def _by_stem(names: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(stem, [(FORMAT, name), ...]) per file stem, in the order of ``names``."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in names:
        base = name.rsplit("/", 1)[-1]
        stem, _, ext = base.rpartition(".")
        groups.setdefault(stem or base, []).append((ext.upper() or base, name))
    return list(groups.items())


def describe_outputs(names: list[str]) -> dict[str, Any]:
    """Outputs grouped for the job page: the Word tables (``tables``), the figures with their
    formats (``figures``: png, svg, pdf of one figure together), the other formats of the tables
    (``table_formats``: csv, html, md, tex together) and the rest (``other``)."""
    tables = [n for n in names if n.startswith("tables/") and n.endswith(".docx")]
    figures = [n for n in names if n.endswith((".png", ".svg", ".pdf"))
               and (n.startswith("figures/") or "/" not in n)]
    formats = [n for n in names if n.startswith("tables/") and n not in tables]
    other = [n for n in names if n not in tables and n not in figures and n not in formats]
    return {"tables": tables, "figures": _by_stem(figures), "table_formats": _by_stem(formats),
            "other": other}
