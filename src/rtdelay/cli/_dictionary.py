"""``rtdelay dictionary``: print or write the data dictionary (md, csv or REDCap csv)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from rtdelay.cli._app import app, fail

FORMATS = ("md", "csv", "redcap")


@app.command("dictionary")
def dictionary(
    format: str = typer.Option("md", "--format", help="md (Markdown), csv, or redcap (a REDCap data dictionary to upload)."),
    out: Path | None = typer.Option(None, "--out", help="File to write (default: print to the screen)."),
) -> None:
    """Print the cohort data dictionary: every column, its type, allowed values and whether it is
    required. The same text is docs/data-dictionary.md in the rtdelay repository."""
    from rtdelay.cohort import dictionary_csv, dictionary_markdown, dictionary_redcap

    chosen = format.lower()
    if chosen not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}; got {format!r}")
    text = {"md": dictionary_markdown, "csv": dictionary_csv, "redcap": dictionary_redcap}[chosen]()
    if out is None:
        sys.stdout.write(text)
        return
    if out.is_dir():
        fail(f"--out must be a file; {out} is a folder")
    try:
        out.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror or exc}")
    typer.echo(f"wrote {out}")
