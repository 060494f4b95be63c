"""``rtdelay template``: write an empty cohort data-entry template (xlsx or csv).

The xlsx template has the ``cohort`` sheet (one column per data dictionary column, drop-down
lists and range checks), a ``dictionary`` sheet and a ``complications`` sheet. The csv template
is three files: ``<name>.csv``, ``<name>_complications.csv``, ``<name>_dictionary.csv``.
An existing file is never overwritten unless ``--force`` is given (a filled template is data).
"""

from __future__ import annotations

from pathlib import Path

import typer

from rtdelay.cli._app import app, fail

DEFAULT_NAME = "rtdelay_cohort_template"
FORMATS = ("xlsx", "csv")


@app.command("template")
def template(
    format: str | None = typer.Option(
        None,
        "--format",
        help="xlsx (default; one workbook with drop-down lists) or csv (three files).",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help=f"File to write (default {DEFAULT_NAME}.xlsx or .csv in the current folder).",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite existing files."),
) -> None:
    """Write an empty cohort template with the data dictionary's columns."""
    chosen = format.lower() if format is not None else None
    if chosen is not None and chosen not in FORMATS:
        fail(f"--format must be xlsx or csv, not {format!r}")
    if out is not None and out.suffix.lower() in (".xlsx", ".csv"):
        suffix_format = out.suffix.lower().lstrip(".")
        if chosen is not None and chosen != suffix_format:
            fail(f"--out {str(out)!r} ends in .{suffix_format} but --format is {chosen}")
        chosen = suffix_format
    elif out is not None and out.suffix:
        fail(f"--out must end in .xlsx or .csv (got {out.suffix!r})")
    chosen = chosen or "xlsx"
    target = (out if out is not None else Path(DEFAULT_NAME)).with_suffix(f".{chosen}")
    planned = [target]
    if chosen == "csv":
        stem = target.with_suffix("")
        planned += [Path(f"{stem}_complications.csv"), Path(f"{stem}_dictionary.csv")]
    existing = [p for p in planned if p.exists()]
    if existing and not force:
        fail(
            f"{existing[0]} already exists; choose another --out or add --force to overwrite it"
        )

    from rtdelay.cohort import write_template

    try:
        written = write_template(target, format=chosen)
    except OSError as exc:
        fail(f"cannot write {target}: {exc.strerror or exc}")
    for path in written:
        typer.echo(f"wrote {path}")
