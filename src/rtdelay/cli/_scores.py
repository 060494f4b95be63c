"""``rtdelay score``: SINS, Tomita, revised Tokuhashi and Bilsky ESCC from the command line.

Each sub-command prints the breakdown (component, level, points), the total and the category;
``--json`` prints one JSON object instead. An invalid value is one line on stderr listing the
allowed values, with exit code 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import typer

from rtdelay.cli._app import app, fail

score_app = typer.Typer(
    help="Clinical scores of spinal metastases: SINS, Tomita, revised Tokuhashi, Bilsky ESCC.",
    no_args_is_help=True,
)
app.add_typer(score_app, name="score")

_JSON_HELP = "Print one JSON object instead of a table."


def _compute(function: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a score function; an invalid value becomes one line on stderr and exit code 2."""
    from rtdelay.errors import RtdelayError

    try:
        return function(**kwargs)
    except (RtdelayError, ValueError) as exc:
        fail(str(exc))


def _show(result: Any, as_json: bool, title: str) -> None:
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("Component")
    table.add_column("Level")
    table.add_column("Points", justify="right")
    for component, points in result.points.items():
        table.add_row(component, result.levels[component], str(points))
    table.add_section()
    table.add_row("total", result.category, str(result.total), style="bold")
    console = Console()
    console.print(table)
    console.print(f"Total {result.total}: {result.category}")
    if result.note:
        console.print(f"Note: {result.note}")


@score_app.command("sins")
def sins_command(
    location: str = typer.Option(
        ...,
        "--location",
        help="Spinal level (T12, or a range T11-L1: upper end used) or junctional, mobile, "
        "semirigid, rigid.",
    ),
    pain: str = typer.Option(..., "--pain", help="mechanical, occasional or none (3/1/0)."),
    lesion: str = typer.Option(..., "--lesion", help="lytic, mixed or blastic (2/1/0)."),
    alignment: str = typer.Option(
        ..., "--alignment", help="subluxation, deformity or normal (4/2/0)."
    ),
    collapse: str = typer.Option(
        ..., "--collapse", help="over50, under50, body_involved or none (3/2/1/0)."
    ),
    posterolateral: str = typer.Option(
        ..., "--posterolateral", help="bilateral, unilateral or none (3/1/0)."
    ),
    as_json: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """Spinal Instability Neoplastic Score (SINS, Fisher 2010).

    0-6 stable, 7-12 potentially unstable, 13-18 unstable. Integers are points.
    """
    from rtdelay.scores import sins

    result = _compute(
        sins,
        location=location,
        pain=pain,
        lesion=lesion,
        alignment=alignment,
        collapse=collapse,
        posterolateral=posterolateral,
    )
    _show(result, as_json, "SINS")


@score_app.command("tomita")
def tomita_command(
    growth: str = typer.Option(
        ...,
        "--growth",
        help="slow, moderate, rapid (1/2/4) or a histology (renal, lung, breast, ...).",
    ),
    visceral: str = typer.Option(
        ..., "--visceral", help="none, treatable or untreatable (0/2/4)."
    ),
    bone: str = typer.Option(..., "--bone", help="solitary or multiple (1/2)."),
    as_json: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """Tomita score (Tomita 2001).

    2-3 long-term local control, 4-5 middle-term local control, 6-7 short-term palliation,
    8-10 terminal care. Integers are points.
    """
    from rtdelay.scores import tomita

    result = _compute(tomita, growth=growth, visceral=visceral, bone=bone)
    _show(result, as_json, "Tomita score")


@score_app.command("tokuhashi")
def tokuhashi_command(
    kps: str = typer.Option(
        ..., "--kps", help="Karnofsky value 10-100 (steps of 10), or points as '1p'."
    ),
    extraspinal: str = typer.Option(
        ..., "--extraspinal", help="Number of extraspinal bone metastasis foci, or points as '1p'."
    ),
    vertebral: str = typer.Option(
        ..., "--vertebral", help="Number of involved vertebrae (>= 1), or points as '1p'."
    ),
    organ: str = typer.Option(
        ..., "--organ", help="Major organ metastases: unremovable, removable or none (0/1/2)."
    ),
    primary: str = typer.Option(
        ..., "--primary", help="Histology (breast, lung, renal, ...) or points 0-5."
    ),
    palsy: str = typer.Option(..., "--palsy", help="Frankel grade A-E, or points 0-2."),
    as_json: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """Revised Tokuhashi score (Tokuhashi 2005).

    Predicted survival: 0-8 < 6 months, 9-11 >= 6 months, 12-15 >= 1 year.
    """
    from rtdelay.scores import tokuhashi

    result = _compute(
        tokuhashi,
        kps=kps,
        extraspinal=extraspinal,
        vertebral=vertebral,
        organ=organ,
        primary=primary,
        palsy=palsy,
    )
    _show(result, as_json, "Revised Tokuhashi score")


@score_app.command("escc")
def escc_command(
    grade: str = typer.Argument(..., help="Bilsky grade: 0, 1a, 1b, 1c, 2 or 3."),
    as_json: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """Bilsky epidural spinal cord compression (ESCC) grade (Bilsky 2010).

    Prints the meaning and whether it is high grade (2, 3).
    """
    from rtdelay.scores import escc

    result = _compute(escc, grade=grade)
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
        return
    from rich.console import Console

    console = Console()
    console.print(f"ESCC grade {result.grade}: {result.meaning}")
    console.print(f"Category: {result.category} (high grade: {'yes' if result.high_grade else 'no'})")
    console.print(f"Note: {result.note}")
