"""The output folder of one run: never a mix of two runs, never an input overwritten.

:func:`output_folder` wraps everything a run writes (``rtdelay analyze``, ``rtdelay demo``):

1. ``--out ""``, a symbolic link, a file, or a folder holding files rtdelay did not write
   (a user's ``cohort.csv``) are refused; so is an input file that lies inside the folder.
2. A lock (``OUT/.rtdelay-lock``, ``flock``) refuses a second run on the same folder while
   the first is writing.
3. The files of the previous run are removed (symbolic links planted in the folder are removed,
   never followed) and ``UNFINISHED-RUN.txt`` says that the folder holds no result yet.
4. On success the marker ``.rtdelay-output`` is written and ``UNFINISHED-RUN.txt`` removed.
   On Ctrl-C or SIGTERM every file of the run is removed (none is left half-written under its
   final name) and the unfinished mark stays. On an error the files written so far stay (a
   ``quarantine.csv`` explains the refusal) with the unfinished mark beside them.
5. A full disk (``ENOSPC``, ``EDQUOT``, ``EFBIG``) is reported naming the file being written.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rtdelay.errors import InputError

__all__ = ["output_folder", "check_not_input", "OutputFolderError", "MARKER_NAME", "UNFINISHED_NAME"]

MARKER_NAME = ".rtdelay-output"
UNFINISHED_NAME = "UNFINISHED-RUN.txt"
LOCK_NAME = ".rtdelay-lock"
ERROR_LOG_NAME = "rtdelay-error.log"
_OURS = frozenset({MARKER_NAME, UNFINISHED_NAME, LOCK_NAME, ERROR_LOG_NAME})
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})

_UNFINISHED_TEXT = (
    "This folder holds an unfinished rtdelay run (still running, interrupted or failed).\n"
    "Its files are not results. A quarantine.csv, if present, lists the rejected rows.\n"
    "Run the command again to obtain the results.\n"
)


class OutputFolderError(InputError):
    """The output folder cannot be used (refused, locked, disk full)."""


def _is_inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def check_not_input(target: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str] | None]) -> None:
    """Refuse to write ``target`` when it is one of ``inputs`` (same file, links resolved).

    Raises
    ------
    OutputFolderError
        ``target`` names an input file.
    """
    out = Path(target)
    for given in inputs:
        if given is None:
            continue
        source = Path(given)
        same = out.resolve() == source.resolve()
        if not same and out.exists() and source.exists():
            try:
                same = os.path.samefile(out, source)
            except OSError:
                same = False
        if same:
            raise OutputFolderError(
                f"refusing to write {str(out)!r}: it is the input file {str(source)!r}; choose another name"
            )


def _clear(folder: Path, keep: frozenset[str]) -> None:
    for entry in folder.iterdir():
        if entry.name in keep:
            continue
        if entry.is_symlink() or not entry.is_dir():
            entry.unlink()
        else:
            shutil.rmtree(entry)


def _newest_file(folder: Path) -> Path | None:
    newest: tuple[float, Path] | None = None
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            try:
                stamp = path.lstat().st_mtime
            except OSError:
                continue
            if newest is None or stamp >= newest[0]:
                newest = (stamp, path)
    return None if newest is None else newest[1]


def _check_folder(target: Path, inputs: Iterable[str | os.PathLike[str] | None]) -> None:
    if str(target) == "":
        raise OutputFolderError("--out needs a folder name (got an empty string)")
    if target.is_symlink():
        raise OutputFolderError(
            f"output folder {str(target)!r} is a symbolic link; rtdelay does not write through links: "
            "give the real folder"
        )
    if target.exists() and not target.is_dir():
        raise OutputFolderError(f"output folder {str(target)!r} exists and is not a folder")
    for given in inputs:
        if given is not None and _is_inside(Path(given), target):
            raise OutputFolderError(
                f"the input file {str(given)!r} lies inside the output folder {str(target)!r}, whose "
                "files each run replaces; move it or choose another --out"
            )


def _check_contents(target: Path) -> None:
    names = {entry.name for entry in target.iterdir()}
    foreign = sorted(names - _OURS)
    if foreign and MARKER_NAME not in names and UNFINISHED_NAME not in names:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
        raise OutputFolderError(
            f"output folder {str(target)!r} already holds files that rtdelay did not write ({shown}); "
            "choose a new or empty folder"
        )


def _write_marker(target: Path, name: str, text: str) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target / name, flags, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    import fcntl

    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target / LOCK_NAME, flags, 0o644)
    except OSError as exc:
        raise OutputFolderError(f"cannot lock the output folder {str(target)!r}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise OutputFolderError(
                f"another rtdelay run is writing into {str(target)!r}; wait for it to finish or "
                "choose another --out"
            ) from None
        try:
            yield
        finally:
            try:
                (target / LOCK_NAME).unlink()
            except OSError:
                pass
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextmanager
def output_folder(
    path: str | os.PathLike[str],
    *,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    command: str = "rtdelay",
) -> Iterator[Path]:
    """Prepare ``path`` for one run's outputs; mark it complete when the block ends normally.

    Parameters
    ----------
    path : str or path-like
        The output folder (``--out``). Created when missing.
    inputs : iterable of path, optional
        The run's input files: none may lie inside the folder.
    command : str
        Written in the completion marker.

    Yields
    ------
    pathlib.Path
        The folder to write into (the same path, emptied of the previous run's files).

    Raises
    ------
    OutputFolderError
        Refused folder (see the module notes), another run holding the lock, or a full disk
        (the message names the file being written).
    """
    if isinstance(path, str) and path.strip() == "":
        raise OutputFolderError("--out needs a folder name (got an empty string)")
    target = Path(path)
    inputs = list(inputs)
    _check_folder(target, inputs)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFolderError(f"cannot create the output folder {str(target)!r}: {exc.strerror}") from None
    with _locked(target):
        _check_contents(target)
        _clear(target, frozenset({LOCK_NAME}))
        _write_marker(target, UNFINISHED_NAME, _UNFINISHED_TEXT)
        try:
            yield target
        except KeyboardInterrupt:
            _clear(target, frozenset({LOCK_NAME, UNFINISHED_NAME}))
            raise
        except OSError as exc:
            if exc.errno in _DISK_FULL:
                name = exc.filename or _newest_file(target)
                raise OutputFolderError(
                    f"the disk is full: could not finish writing {name} ({exc.strerror}); "
                    "free some space and run again"
                ) from None
            raise
        from rtdelay import __version__

        _write_marker(
            target,
            MARKER_NAME,
            json.dumps({"rtdelay_version": __version__, "command": command, "complete": True}) + "\n",
        )
        (target / UNFINISHED_NAME).unlink()
