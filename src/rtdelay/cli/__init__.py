"""Command line of rtdelay: parse, call, print, map errors to exit codes.

Exit codes: 0 success; 1 some rows were rejected (the valid rows stay usable); 2 the input
cannot be used at all. Bad input never shows a traceback.
"""

from __future__ import annotations

import sys

from rtdelay.cli import _cohort, _risk, _scores, _study, _survival, _template  # noqa: F401  (register commands)
from rtdelay.cli._app import EXIT_UNUSABLE, app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``rtdelay`` console command."""
    from rtdelay.errors import RtdelayError

    try:
        app()
    except RtdelayError as exc:
        sys.stderr.write(f"rtdelay: error: {exc}\n")
        sys.exit(EXIT_UNUSABLE)
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        sys.stderr.write(f"rtdelay: error: {exc.strerror or exc}: {exc.filename}\n")
        sys.exit(EXIT_UNUSABLE)
    except KeyboardInterrupt:
        sys.stderr.write("rtdelay: interrupted\n")
        sys.exit(130)
