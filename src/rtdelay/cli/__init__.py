"""Command line of rtdelay: parse, call, print, map errors to exit codes.

Exit codes: 0 success; 1 some rows were rejected (the valid rows stay usable); 2 the input
cannot be used at all; 3 internal error (traceback in rtdelay-error.log); 130 interrupted.
Bad input never shows a traceback.
"""

from __future__ import annotations

import sys

from rtdelay.cli import (  # noqa: F401  (register commands)
    _cohort,
    _dictionary,  # noqa: F401  (register the dictionary command)
    _plan,  # noqa: F401  (rtdelay plan)
    _registry,  # noqa: F401  (registry, user, site commands)
    _risk,
    _safety,
    _scores,
    _serve,  # noqa: F401  (rtdelay serve)
    _study,
    _survival,
    _template,
    _token,  # noqa: F401  (rtdelay token, rtdelay worker)
)
from rtdelay.cli._app import EXIT_UNUSABLE, app

__all__ = ["app", "main"]


def _click_exceptions() -> tuple[type[Exception], type[Exception]]:
    """``(UsageError, ClickException)`` of the click that typer runs on.

    Reached through typer's public ``BadParameter`` (a ``UsageError``, itself a
    ``ClickException``), so that nothing imports typer's private vendored click
    (``typer._click``, typer >= 0.2x) or depends on which click that is.
    """
    import typer

    bases = {cls.__name__: cls for cls in typer.BadParameter.__mro__}
    return bases["UsageError"], bases["ClickException"]


def main() -> None:
    """Entry point of the ``rtdelay`` console command.

    Runs the typer app without its standalone error handling so that every failure, usage
    errors included (a missing option, an unknown command), ends as one line on stderr.
    """
    from rtdelay.errors import RtdelayError

    usage_error, click_exception = _click_exceptions()
    _safety.install()
    try:
        code = app(standalone_mode=False)
    except usage_error as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # the help was shown: not an error
            sys.exit(0)
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "rtdelay"
        sys.stderr.write(f"rtdelay: error: {exc.format_message()} (see '{where} --help')\n")  # type: ignore[attr-defined]
        sys.exit(EXIT_UNUSABLE)
    except click_exception as exc:
        sys.stderr.write(f"rtdelay: error: {exc.format_message()}\n")  # type: ignore[attr-defined]
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
