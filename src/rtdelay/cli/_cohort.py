"""``rtdelay validate``: check a cohort file against the data dictionary.

Exit codes: 0 every row and value accepted; 1 some rows or values rejected (the other rows stay
usable; a rejected value in a field-level column is treated as missing, its row kept); 2 the file
cannot be used at all (missing, empty, not a table, required column absent), with one line on
stderr. ``--json`` prints exactly one JSON object ``{"rows", "valid", "rejected",
"values_rejected", "issues"}``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from rtdelay.cli._app import EXIT_OK, EXIT_ROWS_REJECTED, app, fail

MAX_SHOWN = 30
"""Issues listed in the human-readable summary before "... and N more"."""


def _summary(result: Any, notes: list[str], path: Path, quarantine: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from rtdelay.cli._terminal import markup_safe as safe

    console = Console(highlight=False)
    n_warn = len(result.warnings)
    console.print(f"[bold]{safe(path)}[/bold]")
    for note in notes:
        console.print(f"  note: {safe(note)}")
    console.print(
        f"rows: {result.n_rows}   valid: {result.n_valid}   rejected: {result.n_rejected}   "
        f"values rejected: {len(result.field_issues)}   warnings: {n_warn}"
    )
    issues = result.issues
    if issues:
        table = Table(show_lines=False)
        table.add_column("row", justify="right")
        table.add_column("severity")
        table.add_column("column")
        table.add_column("rule")
        table.add_column("message", overflow="fold")
        for issue in issues[:MAX_SHOWN]:
            style = {"error": "red", "field": "magenta"}.get(issue.severity, "yellow")
            table.add_row(
                "" if issue.row is None else str(issue.row),
                f"[{style}]{issue.severity}[/{style}]",
                safe(issue.column or ""),
                safe(issue.rule),
                safe(issue.message),
            )
        console.print(table)
        if len(issues) > MAX_SHOWN:
            console.print(f"... and {len(issues) - MAX_SHOWN} more")
    if quarantine is not None:
        console.print(f"rejected rows and values written to {safe(quarantine)}")
    elif result.n_rejected or result.field_issues:
        console.print("use --quarantine FILE.csv to write the rejected rows and values with their reasons")


@app.command("validate")
def validate_command(
    file: Path = typer.Argument(..., help="Cohort table: csv, tsv, xlsx, sav or parquet."),
    mapping: Path | None = typer.Option(
        None, "--mapping", help="Mapping file: file columns and codes -> dictionary names."
    ),
    sheet: str | None = typer.Option(None, "--sheet", help="Worksheet of an xlsx file."),
    date_order: str | None = typer.Option(
        None,
        "--date-order",
        help="How to read non-ISO dates such as 03/04/2019: dmy (day first) or mdy.",
    ),
    quarantine: Path | None = typer.Option(
        None, "--quarantine", help="Write the rejected rows, as they came in, with reasons."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead."),
) -> None:
    """Check a cohort file row by row against the data dictionary.

    Exit code 0: every row and value accepted; 1: some rows or values rejected; 2: the file
    cannot be used.
    """
    from rtdelay.errors import RtdelayError

    if date_order is not None and date_order not in ("dmy", "mdy"):
        fail(f"--date-order takes dmy or mdy; got {date_order!r}")
    try:
        from rtdelay.cohort import load_table, validate_cohort
        from rtdelay.report.outdir import check_not_input

        if quarantine is not None:
            check_not_input(quarantine, [file, mapping])
        raw = load_table(file, mapping=mapping, sheet=sheet)
        result = validate_cohort(raw, date_order=date_order)
        write_notes: list[str] = []
        if quarantine is not None:
            result.write_quarantine(quarantine, notes=write_notes)
    except RtdelayError as exc:
        fail(str(exc))
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        fail(f"{exc.strerror or exc}: {exc.filename}")
    except OSError as exc:
        fail(f"cannot read or write a file: {exc}")
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _summary(result, [*getattr(raw, "notes", []), *write_notes], file, quarantine)
    raise typer.Exit(EXIT_ROWS_REJECTED if result.n_rejected or result.field_issues else EXIT_OK)
