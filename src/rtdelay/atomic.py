"""The one way rtdelay writes a file: to a temporary name in the same folder, then renamed.

A reader (or a crash half-way) never sees a half-written ``results.json``, ``report.html`` or
csv: :func:`os.replace` swaps the complete file in one step on POSIX and Windows. Every writer
of the package goes through :func:`atomic_write` (text or bytes) or :func:`atomic_file` (a file
object for writers that stream, such as the csv and xlsx exporters).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_file", "atomic_write"]

FILE_MODE = 0o644
"""Permissions of a written file (``mkstemp`` would leave 0o600)."""


@contextlib.contextmanager
def atomic_file(path: str | Path, mode: str = "w", **open_kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success rename it to ``path``.

    Parameters
    ----------
    path : str or path-like
        Target file. Its folder must exist.
    mode : {"w", "wb"}
        Text or binary.
    **open_kwargs
        Passed to :func:`os.fdopen` (``encoding``, ``newline``...).

    Yields
    ------
    file object
        Write the whole content to it. If the block raises, the temporary file is removed and
        ``path`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_file(target, encoding="utf-8") as fh:
    ...     _ = fh.write("done\\n")
    >>> target.read_text()
    'done\\n'
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb'; got {mode!r}")
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as fh:
            yield fh
        os.chmod(tmp_name, FILE_MODE)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


def atomic_write(path: str | Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` (text or bytes) to ``path`` atomically and return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "b.json"
    >>> atomic_write(target, "{}\\n").read_text()
    '{}\\n'
    """
    if isinstance(data, bytes):
        with atomic_file(path, "wb") as fh:
            fh.write(data)
    else:
        with atomic_file(path, "w", encoding=encoding, newline="") as fh:
            fh.write(data)
    return Path(path)
