"""The typer application object and the helpers every command module shares.

Command modules (``_survival``, ``_cohort``, ``_scores``, ``_study``, ``_risk``) import ``app``
from here and register their commands; heavy imports stay inside the command functions so that
``rtdelay --help`` is fast.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

app = typer.Typer(
    name="rtdelay",
    help=(
        "rtdelay: what does waiting for postoperative radiotherapy cost patients with spinal "
        "metastases? Cohort checks, survival statistics and reports after Gong et al., "
        "Radiat Oncol 2021;16:21."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: no <bool> placeholders, paragraphs re-flowed
)

EXIT_OK = 0
EXIT_ROWS_REJECTED = 1
EXIT_UNUSABLE = 2


def fail(message: str, code: int = EXIT_UNUSABLE) -> NoReturn:
    """Print one clear line on stderr and exit with ``code`` (never a traceback).

    Data quoted in the message (ids, file names) loses control and escape sequences.
    """
    from rtdelay.cli._terminal import plain

    sys.stderr.write(f"rtdelay: error: {plain(message)}\n")
    raise typer.Exit(code)


def parse_float_list(text: str | None, *, option: str) -> list[float] | None:
    """Parse ``"6,12,24"`` into floats; a bad entry is a clear error naming the option."""
    if text is None or text.strip() == "":
        return None
    values: list[float] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            values.append(float(part))
        except ValueError:
            fail(f"{option} takes numbers separated by commas; {part!r} is not a number")
    return values


@app.command("version")
def version() -> None:
    """Print the rtdelay version."""
    from rtdelay import __version__

    typer.echo(__version__)


def _print_version(value: bool) -> None:
    if value:
        from rtdelay import __version__

        typer.echo(f"rtdelay {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main_options(
    show_version: bool = typer.Option(
        False, "--version", help="Print the rtdelay version and exit.", callback=_print_version, is_eager=True
    ),
) -> None:
    """rtdelay: what does waiting for postoperative radiotherapy cost patients with spinal metastases?
    Cohort checks, survival statistics and reports after Gong et al., Radiat Oncol 2021;16:21.
    The cohort's columns: docs/data-dictionary.md in the repository, or 'rtdelay dictionary'."""
