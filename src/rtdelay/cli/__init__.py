"""Command line of rtdelay: parse, call, print, map errors to exit codes.

Exit codes: 0 success; 1 some rows were rejected (the valid rows stay usable); 2 the input
cannot be used at all; 3 internal error (traceback in rtdelay-error.log); 130 interrupted.
Bad input never shows a traceback.
"""

from __future__ import annotations

import sys

from rtdelay.cli import _cohort, _risk, _safety, _scores, _study, _survival, _template  # noqa: F401  (register commands)
from rtdelay.cli._app import EXIT_UNUSABLE, app

__all__ = ["app", "main"]


def _click_exceptions():  # typer >= 0.2x vendors click as typer._click
    try:
        from typer._click import exceptions
    except ImportError:  # pragma: no cover - older typer uses click itself
        from click import exceptions  # type: ignore[no-redef]
    return exceptions


def main() -> None:
    """Entry point of the ``rtdelay`` console command.

    Runs the typer app without its standalone error handling so that every failure, usage
    errors included (a missing option, an unknown command), ends as one line on stderr.
    """
    from rtdelay.errors import RtdelayError

    click_exc = _click_exceptions()
    _safety.install()
    try:
        code = app(standalone_mode=False)
    except click_exc.NoArgsIsHelpError:
        sys.exit(0)
    except click_exc.UsageError as exc:
        where = exc.ctx.command_path if exc.ctx is not None else "rtdelay"
        sys.stderr.write(f"rtdelay: error: {exc.format_message()} (see '{where} --help')\n")
        sys.exit(EXIT_UNUSABLE)
    except click_exc.ClickException as exc:
        sys.stderr.write(f"rtdelay: error: {exc.format_message()}\n")
        sys.exit(EXIT_UNUSABLE)
    except RtdelayError as exc:
        from rtdelay.cli._terminal import plain

        sys.stderr.write(f"rtdelay: error: {plain(exc)}\n")
        sys.exit(EXIT_UNUSABLE)
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        sys.stderr.write(f"rtdelay: error: {exc.strerror or exc}: {exc.filename}\n")
        sys.exit(EXIT_UNUSABLE)
    except KeyboardInterrupt:
        _safety.interrupted()
    except OSError as exc:
        if exc.filename is None:
            _safety.internal_error(exc)
        sys.stderr.write(f"rtdelay: error: {exc.strerror or exc}: {exc.filename}\n")
        sys.exit(EXIT_UNUSABLE)
    except Exception as exc:  # the safety net: anything no command expected
        _safety.internal_error(exc)
    if code == _safety.EXIT_INTERRUPTED:  # typer turns KeyboardInterrupt into a silent Exit(130)
        _safety.interrupted()
    sys.exit(code if isinstance(code, int) else 0)
