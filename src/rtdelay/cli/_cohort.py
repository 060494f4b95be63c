"""``rtdelay validate``: check a cohort file against the data dictionary.

Exit codes: 0 every row and value accepted; 1 some rows or values rejected (the other rows stay
usable; a rejected value in a field-level column is treated as missing, its row kept); 2 the file
cannot be used at all (missing, empty, not a table, required column absent), with one line on
stderr. ``--json`` prints exactly one JSON object ``{"rows", "valid", "rejected",
"values_rejected", "issues"}``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import typer

from rtdelay.cli._app import EXIT_OK, EXIT_ROWS_REJECTED, app, fail

MAX_SHOWN = 30
"""Issues listed in the human-readable summary before "... and N more"."""


_PREFIX = re.compile(r"^Row \d+ \([^)]*\): ")
WHOLE_COLUMN_SHARE = 0.8
"""A (column, rule) failing in at least this share of the rows (and 3 rows) is one message."""


def column_wide(result: Any) -> dict[tuple[str, str], list[Any]]:
    """Errors that hit (nearly) a whole column with the same rule: one message each."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for issue in result.issues:
        if issue.row is not None and issue.column:
            groups.setdefault((issue.column, issue.rule), []).append(issue)
    n = max(result.n_rows, 1)
    return {k: v for k, v in groups.items() if len(v) >= 3 and len(v) >= WHOLE_COLUMN_SHARE * n}


def _hint(issue: Any) -> str:
    """The message without its "Row N (patient X): " prefix."""
    return _PREFIX.sub("", issue.message)


def _summary(result: Any, notes: list[str], path: Path, quarantine: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from rtdelay.cli._terminal import markup_safe as safe
    from rtdelay.cli._terminal import plain as clean

    console = Console(highlight=False, soft_wrap=True)
    plain = not console.is_terminal  # logs and CI: whole lines, no table, no wrapping
    n_warn = len(result.warnings)
    console.print(f"[bold]{safe(path)}[/bold]" if not plain else clean(str(path)), markup=not plain)
    recoded = getattr(result, "recoded_note", None)
    for note in [*notes, *([recoded] if recoded else [])]:
        console.print(f"  note: {clean(str(note))}", markup=False)
    console.print(
        f"rows: {result.n_rows}   valid: {result.n_valid}   rejected: {result.n_rejected}   "
        f"values rejected: {len(result.field_issues)}   warnings: {n_warn}"
    )
    grouped = column_wide(result)
    for (column, rule), items in grouped.items():
        console.print(
            clean(
                f"column {column}: {len(items)} of {result.n_rows} rows fail the same check ({rule}), "
                f"e.g. row {items[0].row}: {_hint(items[0])}"
            ),
            markup=False,
        )
    skip = {id(i) for items in grouped.values() for i in items}
    issues = [i for i in result.issues if id(i) not in skip]
    if issues and plain:
        for issue in issues[:MAX_SHOWN]:
            console.print(clean(f"{issue.severity}: {issue.message}"), markup=False)
    elif issues:
        table = Table(show_lines=False)
        table.add_column("row", justify="right")
        table.add_column("patient")
        table.add_column("severity")
        table.add_column("column")
        table.add_column("rule")
        table.add_column("message", overflow="fold")
        for issue in issues[:MAX_SHOWN]:
            style = {"error": "red", "field": "magenta"}.get(issue.severity, "yellow")
            table.add_row(
                "" if issue.row is None else str(issue.row),
                safe(issue.patient_id or ""),
                f"[{style}]{issue.severity}[/{style}]",
                safe(issue.column or ""),
                safe(issue.rule),
                safe(_hint(issue)),
            )
        console.print(table)
    if len(issues) > MAX_SHOWN:
        console.print(f"... and {len(issues) - MAX_SHOWN} more")
    if quarantine is not None:
        console.print(f"rejected rows and values written to {clean(str(quarantine))}", markup=False)
    elif result.n_rejected or result.field_issues:
        console.print("use --quarantine FILE.csv to write the rejected rows and values with their reasons")


def _progress_printer(enabled: bool | None) -> Any:
    """A progress callback printing ``rtdelay: validate: [12.3 s] step`` lines on stderr.

    ``enabled`` None: only when stderr is a terminal (a pipe or a log file stays quiet).
    """
    import sys
    import time

    if enabled is None:
        enabled = bool(getattr(sys.stderr, "isatty", lambda: False)())
    if not enabled:
        return lambda message: None
    start = time.perf_counter()

    def show(message: str) -> None:
        from rtdelay.cli._terminal import plain

        elapsed = time.perf_counter() - start
        print(f"rtdelay: validate: [{elapsed:6.1f} s] {plain(message)}", file=sys.stderr,
              flush=True)

    return show


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
        help="How to read non-ISO dates such as 03/04/2019: dmy (day first), mdy or ymd.",
    ),
    quarantine: Path | None = typer.Option(
        None, "--quarantine", help="Write the rejected rows, as they came in, with reasons."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead."),
    progress: bool | None = typer.Option(
        None, "--progress/--no-progress",
        help="Print each step (reading, every column checked) on stderr with the time taken; "
             "default: on when stderr is a terminal.",
    ),
) -> None:
    """Check a cohort file row by row against the data dictionary.

    Exit code 0: every row and value accepted; 1: some rows or values rejected; 2: the file
    cannot be used.
    """
    from rtdelay.errors import RtdelayError

    if date_order is not None and date_order not in ("dmy", "mdy", "ymd"):
        fail(f"--date-order takes dmy, mdy or ymd; got {date_order!r}")
    try:
        from rtdelay.cohort import load_table, validate_cohort
        from rtdelay.report.outdir import check_not_input

        if quarantine is not None:
            check_not_input(quarantine, [file, mapping])
        show = _progress_printer(progress)
        show(f"reading {file.name}")
        raw = load_table(file, mapping=mapping, sheet=sheet)
        show(f"read {len(raw.frame):,} rows")
        result = validate_cohort(raw, date_order=date_order, progress=show)
        write_notes: list[str] = []
        if quarantine is not None:
            show(f"writing {quarantine.name}")
            result.write_quarantine(quarantine, notes=write_notes)
        show("done")
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
