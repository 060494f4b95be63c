"""``rtdelay registry complications PATIENT_ID`` and ``registry edit-complication ID``.

Complications are listed with their id and version (what an edit names) and edited with a
reason; every changed field is an audit row (registry ``update_complication``).
"""

from __future__ import annotations

import json
from typing import Any

import typer

from rtdelay.cli._app import fail
from rtdelay.cli._registry import (
    _DB_HELP,
    _USER_HELP,
    _actor,
    _guard,
    _open,
    _patient_query,
    registry_app,
)

__all__ = ["complications_command", "edit_complication_command"]


def _list(
    patient_id: str, site: str | None, db: str | None, user: str | None
) -> list[dict[str, Any]]:
    from rtdelay.registry import list_complications

    rows: list[dict[str, Any]] = _patient_query(list_complications, patient_id, site, db, user)
    return rows


@registry_app.command("complications")
def complications_command(
    patient_id: str = typer.Argument(..., help="The patient's study number."),
    site: str | None = typer.Option(None, "--site", help="Site code."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON rows."),
    user: str | None = typer.Option(None, "--user", help=_USER_HELP),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """List a patient's complications (id, version, phase, complication, date)."""
    rows = _guard(_list, patient_id, site, db, user)
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        typer.echo(f"patient {patient_id} has no complications")
    for row in rows:
        typer.echo(
            f"{row['id']}  v{row['version']}  {row['phase']}  {row['complication']}  "
            f"{row['date'] or '(no date)'}"
        )


def _edit(
    complication_id: int,
    changes: dict[str, Any],
    reason: str,
    version: int | None,
    db: str | None,
    user: str | None,
) -> Any:
    from rtdelay.registry import update_complication

    registry = _open(db)
    actor = _actor(None, registry, user)
    with registry.session(actor=actor.name, write=True, reason=reason) as session:
        item = update_complication(
            session, actor, complication_id, changes, reason=reason, expected_version=version
        )
        return item.version


@registry_app.command("edit-complication")
def edit_complication_command(
    complication_id: int = typer.Argument(..., help="Complication id (see 'complications')."),
    reason: str = typer.Option(..., "--reason", help="Why (kept in the audit trail)."),
    phase: str | None = typer.Option(None, "--phase", help="New phase."),
    complication: str | None = typer.Option(None, "--complication", help="New description."),
    date: str | None = typer.Option(None, "--date", help="New date (YYYY-MM-DD; '' erases)."),
    version: int | None = typer.Option(
        None, "--version", help="The version the edit was made on (refused if stale)."
    ),
    user: str | None = typer.Option(None, "--user", help=_USER_HELP),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Edit one complication (phase, description or date) with a reason; audited."""
    changes: dict[str, Any] = {}
    if phase is not None:
        changes["phase"] = phase
    if complication is not None:
        changes["complication"] = complication
    if date is not None:
        changes["date"] = date or None
    if not changes:
        fail("nothing to edit: give --phase, --complication or --date")
    new_version = _guard(_edit, complication_id, changes, reason, version, db, user)
    typer.echo(f"complication {complication_id} updated (version {new_version})")
