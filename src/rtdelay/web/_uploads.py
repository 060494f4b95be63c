"""Uploaded files: size limit, type by content, private storage outside the web root, expiry.

An upload is copied in 1 MiB blocks into a private folder (mode 0700; by default a fresh
``tempfile.mkdtemp`` folder, never under ``web/static``) under a random name; the name the
browser sent is kept only for display. Its type is decided from its bytes, never from its name:

* ``xlsx``: a zip archive whose directory lists ``[Content_Types].xml`` and ``xl/workbook.xml``
  (only the directory is read; the cohort loader then refuses decompression bombs from the
  declared sizes before inflating anything);
* ``sav``: SPSS magic ``$FL2``; ``parquet``: ``PAR1`` at both ends;
* ``csv``: text (UTF-8, UTF-16 with BOM or Latin-1 without control bytes) with no known binary
  signature.

Each stored upload has a metadata file (owner's session, user, sha256 of each file, the preview)
next to it; :func:`discard` removes both, :func:`purge_expired` removes uploads older than the
settings' ``upload_ttl_s``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rtdelay.web._settings import WebSettings

__all__ = ["UploadError", "StoredFile", "upload_root", "save_upload", "sniff", "new_upload_id",
           "write_meta", "read_meta", "discard", "purge_expired", "file_sha256"]

_BLOCK = 1 << 20
_ID = re.compile(r"[A-Za-z0-9_-]{20,64}")
KINDS = ("csv", "xlsx", "sav", "parquet")
_BINARY = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
           (b"%PDF", "a PDF document"), (b"\xd0\xcf\x11\xe0", "an old Office file (.xls/.doc)"),
           (b"\x1f\x8b", "a gzip file"), (b"PK\x03\x04", "a zip archive that is not a workbook"),
           (b"\x7fELF", "a program"), (b"MZ", "a program"), (b"{\\rtf", "an RTF document"))


class UploadError(Exception):
    """An upload refused: ``status`` (413 too large, 415 wrong type, 400 other) and a message."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class StoredFile:
    """One saved upload: private ``path``, ``kind`` (by content), shown ``name``, ``sha256``."""

    path: Path
    kind: str
    name: str
    sha256: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "kind": self.kind, "name": self.name,
                "sha256": self.sha256, "size": self.size}


def upload_root(settings: WebSettings, state: Any) -> Path:
    """The private upload folder of an app (created once, mode 0700)."""
    root: Path | None = getattr(state, "upload_root", None)
    if root is None:
        if settings.upload_dir:
            root = Path(settings.upload_dir)
            root.mkdir(parents=True, exist_ok=True)
            os.chmod(root, 0o700)
        else:
            root = Path(tempfile.mkdtemp(prefix="rtdelay-uploads-"))
        state.upload_root = root
    return root


def new_upload_id() -> str:
    return secrets.token_urlsafe(24)


def _shown_name(name: str | None) -> str:
    base = (name or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable())[:120]
    return cleaned or "upload"


def _is_text(head: bytes) -> bool:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a character cut by the end of the sample
            text = head[:exc.start].decode("utf-8")
        else:
            text = head.decode("latin-1")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\r\n\t\x0c\x1a")
    return controls == 0


def sniff(path: Path) -> str:
    """The kind of a file from its content: ``csv``, ``xlsx``, ``sav`` or ``parquet``.

    Raises
    ------
    UploadError
        (415) Anything else, with what the file looks like.
    """
    with open(path, "rb") as handle:
        head = handle.read(65536)
        handle.seek(max(0, path.stat().st_size - 4))
        tail = handle.read(4)
    if not head:
        raise UploadError("the file is empty", 400)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            raise UploadError("the file is a damaged zip archive, not an .xlsx workbook",
                              415) from None
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "xlsx"
    if head.startswith(b"$FL2"):
        return "sav"
    if head.startswith(b"PAR1") and tail == b"PAR1":
        return "parquet"
    for magic, what in _BINARY:
        if head.startswith(magic):
            raise UploadError(f"the file is {what}, not a csv, xlsx, sav or parquet table", 415)
    if _is_text(head):
        return "csv"
    raise UploadError("the file is binary data, not a csv, xlsx, sav or parquet table", 415)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


async def save_upload(upload: Any, folder: Path, stem: str, settings: WebSettings,
                      *, kinds: tuple[str, ...] = KINDS) -> StoredFile:
    """Copy a Starlette ``UploadFile`` into ``folder`` within the size limit; check its type.

    The stored name is ``stem`` plus the extension of the detected kind (the cohort loader
    chooses its reader by extension). A refused file is deleted at once.
    """
    limit = settings.max_upload_bytes
    partial = folder / f"{stem}.part"
    digest, size = hashlib.sha256(), 0
    try:
        with open(partial, "xb") as out:
            while block := await upload.read(_BLOCK):
                size += len(block)
                if size > limit:
                    raise UploadError(f"the file is larger than the limit of "
                                      f"{limit / 1e6:.0f} MB", 413)
                digest.update(block)
                out.write(block)
        kind = sniff(partial)
        if kind not in kinds:
            raise UploadError(f"a {kind} file is not accepted here (expected "
                              f"{' or '.join(kinds)})", 415)
        target = folder / f"{stem}.{kind}"
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return StoredFile(target, kind, _shown_name(upload.filename), digest.hexdigest(), size)


def _folder(root: Path, upload_id: str) -> Path:
    if not _ID.fullmatch(upload_id):
        raise UploadError("unknown upload", 404)
    return root / upload_id


def write_meta(root: Path, upload_id: str, meta: dict[str, Any]) -> None:
    """Store (atomically) the metadata of an upload."""
    folder = _folder(root, upload_id)
    tmp = folder / "meta.json.tmp"
    tmp.write_text(json.dumps({**meta, "created": meta.get("created", time.time())}))
    os.replace(tmp, folder / "meta.json")


def read_meta(root: Path, upload_id: str, owner: str, ttl_s: float) -> dict[str, Any]:
    """The metadata of an upload of ``owner`` (a session) that has not expired; else 404."""
    folder = _folder(root, upload_id)
    try:
        meta: dict[str, Any] = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        raise UploadError("unknown or expired upload: upload the file again", 404) from None
    if meta.get("owner") != owner:
        raise UploadError("unknown or expired upload: upload the file again", 404)
    if time.time() - float(meta.get("created", 0)) > ttl_s:
        discard(root, upload_id)
        raise UploadError("unknown or expired upload: upload the file again", 404)
    return meta


def discard(root: Path, upload_id: str) -> None:
    """Delete an upload and its metadata."""
    if _ID.fullmatch(upload_id):
        shutil.rmtree(root / upload_id, ignore_errors=True)


def purge_expired(root: Path, ttl_s: float) -> int:
    """Delete uploads older than ``ttl_s`` seconds; return how many."""
    removed, now = 0, time.time()
    for folder in root.iterdir() if root.is_dir() else []:
        if folder.is_dir() and _ID.fullmatch(folder.name) and \
                now - folder.stat().st_mtime > ttl_s:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
