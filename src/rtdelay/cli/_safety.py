"""The command line's safety net: unexpected exceptions, interrupts and unprintable characters.

Every command runs inside :func:`rtdelay.cli.main`, which hands what no command expected to
:func:`internal_error`: one line on stderr naming a log file, the traceback in that file, exit
code 3 (exit code 1 means "rows rejected" and is never used for a crash). The log file is
``OUT/rtdelay-error.log`` when the command registered an output folder with
:func:`set_output_folder`, otherwise a new file in the system's temporary folder.

SIGTERM is turned into ``KeyboardInterrupt`` so that an interrupted run ends like Ctrl-C:
"rtdelay: interrupted" and exit code 130 (128 + SIGINT). Standard output and error are switched
to replace characters the console encoding cannot show (a cp1252 console and a Chinese
patient_id), so printing data never crashes a command.
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any, NoReturn

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "ERROR_LOG_NAME",
    "internal_error",
    "interrupted",
    "set_output_folder",
    "install",
]

EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
ERROR_LOG_NAME = "rtdelay-error.log"

_state: dict[str, Path | None] = {"out": None}


def set_output_folder(folder: str | os.PathLike[str] | None) -> None:
    """Register the output folder of the running command (where the error log goes)."""
    _state["out"] = Path(folder) if folder is not None and str(folder) != "" else None


_signalled: list[int] = []  # the signals received (SIGINT, SIGTERM)


def _term_handler(signum: int, frame: Any) -> None:  # pragma: no cover - exercised by subprocess
    _signalled.append(signum)
    raise KeyboardInterrupt


def was_interrupted() -> bool:
    """Whether Ctrl-C or SIGTERM arrived. An interrupt that lands inside the initialisation of
    a compiled module reaches us as ``ImportError: initialization failed`` (pybind11), not as
    ``KeyboardInterrupt``: such an error is the interruption, not an internal error."""
    return bool(_signalled)


def install() -> None:
    """Turn SIGTERM into KeyboardInterrupt; never crash on unprintable characters.

    No warning filter is installed: the analyses guard their own numerics (what the data
    cannot support is a note of the results, not a numpy RuntimeWarning); the tests run odd
    cohorts with RuntimeWarnings as errors.
    """
    try:
        signal.signal(signal.SIGTERM, _term_handler)
        signal.signal(signal.SIGINT, _term_handler)
    except (ValueError, OSError):  # pragma: no cover - not the main thread
        pass
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # pragma: no cover - detached stream
                pass


def _log_path() -> tuple[Path, Any]:
    """Open the error log: OUT/rtdelay-error.log if possible, else a temporary file."""
    out = _state["out"]
    if out is not None:
        try:
            if not out.is_symlink():
                out.mkdir(parents=True, exist_ok=True)
                target = out / ERROR_LOG_NAME
                flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
                fd = os.open(target, flags, 0o644)
                return target, os.fdopen(fd, "w", encoding="utf-8", errors="replace")
        except OSError:
            pass
    fd, name = tempfile.mkstemp(prefix="rtdelay-error-", suffix=".log")
    return Path(name), os.fdopen(fd, "w", encoding="utf-8", errors="replace")


def _one_line(exc: BaseException) -> str:
    from rtdelay.cli._terminal import plain

    text = " ".join(plain(exc).split())
    if len(text) > 200:
        text = text[:197] + "..."
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def internal_error(exc: BaseException) -> NoReturn:
    """Write the traceback to the error log, print one line naming it, exit with code 3.

    After Ctrl-C or SIGTERM any error is the interruption's doing: "interrupted", code 130.
    """
    if was_interrupted():
        interrupted()
    try:
        path, handle = _log_path()
        with handle:
            handle.write(f"rtdelay {_version()} internal error\n")
            handle.write(f"command: {' '.join(sys.argv)}\n\n")
            handle.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        where = f"details in {path}"
    except Exception:  # the log itself cannot be written: still one line
        where = "the error log could not be written"
    from rtdelay.cli._terminal import plain

    sys.stderr.write(f"rtdelay: internal error: {_one_line(exc)}; {plain(where)}\n")
    sys.stderr.flush()
    sys.exit(EXIT_INTERNAL)


def interrupted() -> NoReturn:
    """Ctrl-C or SIGTERM: one line and exit code 130.

    The run's own clean-up has already happened (the output folder's context managers ran
    while the ``KeyboardInterrupt`` unwound to here). The process then ends with
    ``os._exit(130)`` after flushing the logs and the standard streams, not ``sys.exit``:
    with ``sys.exit`` about one interrupted ``python -m rtdelay demo`` in twelve still ended
    by SIGINT during interpreter shutdown (status -2 instead of 130). Further Ctrl-C presses
    while exiting are ignored.
    """
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(signum, signal.SIG_IGN)
        except (ValueError, OSError):  # pragma: no cover - not the main thread
            pass
    sys.stderr.write("rtdelay: interrupted\n")
    import logging

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (ValueError, OSError):  # pragma: no cover - closed or broken stream
            pass
    os._exit(EXIT_INTERRUPTED)


def _version() -> str:
    try:
        from rtdelay import __version__

        return str(__version__)
    except Exception:  # pragma: no cover
        return "?"
