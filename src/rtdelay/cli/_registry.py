"""``rtdelay registry ...``, ``rtdelay user add``, ``rtdelay site add`` and ``analyze --registry``.

Every command takes ``--db URL`` or reads ``RTDELAY_DATABASE_URL`` (default: ``rtdelay.db`` in
the working directory). The command line acts as the local administrator (``cli:<os user>``
in the audit trail) unless ``--user NAME`` names a registry user: the work is then recorded as
that user's and held to their role and sites (attribution and a guard against mistakes; anyone
who can open the database file can change it, so the file's permissions are the boundary).
``--site`` limits a command to one site. Errors: one line on stderr, exit
code 2; an import with rejected rows commits the accepted ones and exits 1 (like ``validate``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from rtdelay.cli._app import EXIT_OK, EXIT_ROWS_REJECTED, app, fail

__all__ = ["registry_app", "user_app", "site_app", "analyze_registry"]

registry_app = typer.Typer(
    help="The patient registry: a database with an audit trail.", no_args_is_help=True
)
user_app = typer.Typer(
    help="Registry users (roles viewer, entry, analyst, admin).", no_args_is_help=True
)
site_app = typer.Typer(help="Registry sites.", no_args_is_help=True)
app.add_typer(registry_app, name="registry")
app.add_typer(user_app, name="user")
app.add_typer(site_app, name="site")

_DB_HELP = "Database URL (default: $RTDELAY_DATABASE_URL, else sqlite file rtdelay.db)."
_USER_HELP = (
    "Act as this registry user (their role and sites; recorded in the audit trail). "
    "Default: the local administrator cli:<os user>."
)
MAX_SHOWN = 50


def _guard(func: Any, *args: Any, **kwargs: Any) -> Any:
    from rtdelay.errors import RtdelayError

    try:
        return func(*args, **kwargs)
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in ("sqlalchemy", "alembic", "argon2", "psycopg"):
            fail(f"the registry needs {exc.name}: pip install 'rtdelay[registry]'")
        raise
    except RtdelayError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))


def _open(db: str | None) -> Any:
    from rtdelay.registry import open_registry

    return open_registry(db)


def _actor(site: str | None, registry: Any, user: str | None = None) -> Any:
    """The acting user: ``--user NAME`` (checked: active, role, sites) or the local admin."""
    from rtdelay.registry import actor_named, cli_actor, resolve_site

    actor = cli_actor()
    if user is not None:
        with registry.session(actor=actor.name) as session:
            actor = actor_named(session, user)
    if site is None:
        return actor
    with registry.session(actor=actor.name) as session:
        found = resolve_site(session, actor, site)
    return actor.restricted_to(frozenset({found.id}))


@registry_app.command("init")
def init(db: str | None = typer.Option(None, "--db", help=_DB_HELP)) -> None:
    """Create the registry's tables (runs the shipped migrations)."""
    from rtdelay.registry import init_registry

    registry, created = _guard(init_registry, db)
    state = "created" if created else "already up to date"
    typer.echo(f"registry {registry.display_url}: {state}")


@registry_app.command("upgrade")
def upgrade(db: str | None = typer.Option(None, "--db", help=_DB_HELP)) -> None:
    """Apply the migrations of this rtdelay version to an existing registry."""
    from rtdelay.registry import upgrade_registry

    registry, before, after = _guard(upgrade_registry, db)
    typer.echo(f"registry {registry.display_url}: revision {before} -> {after}")


def _shown_rows(raw: Any) -> dict[int, int]:
    """Data row (the plan's ``source_row``) -> the row ``validate`` names: the csv line or the
    xlsx spreadsheet row (header counted); the data row itself for sav, parquet and REDCap."""
    shown = list(getattr(raw, "display_rows", None) or [])
    if len(shown) != len(raw.source_rows):
        return {}
    return {int(d): int(s) for d, s in zip(raw.source_rows, shown, strict=True)}


def _show_plan(plan: Any, rows: dict[int, int] | None = None) -> None:
    from rtdelay.registry import audit_text

    rows = rows or {}

    counts = plan.counts()
    typer.echo(
        f"new: {counts['new']}  changed: {counts['changed']}  unchanged: "
        f"{counts['unchanged']}  rejected: {counts['rejected']}  new complications: "
        f"{counts['complications']}"
    )
    lines: list[str] = []
    for diff in plan.new:
        lines.append(
            f"  + row {rows.get(diff.row, diff.row)}: new patient {diff.patient_id} (site {diff.site})"
        )
    for diff in plan.changed:
        parts = "; ".join(
            f"{c.field} {audit_text(c.old) or '(blank)'} -> {audit_text(c.new) or '(blank)'}"
            for c in diff.changes
        )
        lines.append(
            f"  ~ row {rows.get(diff.row, diff.row)}: {diff.patient_id} (site {diff.site}): {parts}"
        )
    for _, row in plan.rejected.iterrows():
        lines.append(
            f"  ! row {rows.get(int(row['source_row']), row['source_row'])}: rejected: {row['reasons']}"
        )
    for line in lines[:MAX_SHOWN]:
        typer.echo(line)
    if len(lines) > MAX_SHOWN:
        typer.echo(f"  ... and {len(lines) - MAX_SHOWN} more")


def _import(
    file: Path | None,
    site: str | None,
    mapping: Path | None,
    dry_run: bool,
    reason: str | None,
    erase_blanks: bool,
    as_json: bool,
    db: str | None,
    complications: Path | None,
    redcap: Path | None,
    redcap_dictionary: Path | None,
    date_order: str | None,
    quarantine: Path | None,
    user: str | None = None,
) -> int:
    from rtdelay.errors import InputError
    from rtdelay.registry import import_table, read_import_file, read_redcap

    registry = _open(db)
    actor = _actor(site, registry, user)
    comps: Any
    if redcap is not None or redcap_dictionary is not None:
        if redcap is None or redcap_dictionary is None or file is not None:
            raise InputError(
                "a REDCap import takes --redcap DATA.csv and --redcap-dictionary "
                "DICT.csv, and no FILE"
            )
        raw, comps = read_redcap(redcap, redcap_dictionary)
        kind = "redcap"
    elif file is None:
        raise InputError("give the FILE to import (or --redcap and --redcap-dictionary)")
    else:
        raw = read_import_file(file, mapping=mapping)
        comps = read_import_file(complications) if complications is not None else None
        kind = "file"
    outcome = import_table(
        registry,
        actor,
        raw,
        site=site,
        erase_blanks=erase_blanks,
        dry_run=dry_run,
        reason=reason,
        date_order=date_order,
        complications=comps,
        kind=kind,
    )
    plan = outcome.plan
    shown = _shown_rows(raw)
    if quarantine is not None and len(plan.rejected):
        from rtdelay.cohort import write_table

        rejected = plan.rejected.copy()  # rows numbered as validate's quarantine numbers them
        rejected["source_row"] = [shown.get(int(r), int(r)) for r in rejected["source_row"]]
        write_table(rejected, quarantine)
    if as_json:
        typer.echo(json.dumps(outcome.to_dict()))
    else:
        _show_plan(plan, shown)
        if dry_run:
            typer.echo("dry run: nothing was written")
        elif outcome.committed:
            typer.echo(f"committed as import batch {outcome.batch}")
        else:
            typer.echo("nothing to change")
    return EXIT_ROWS_REJECTED if len(plan.rejected) else EXIT_OK


@registry_app.command("import")
def import_command(
    file: Path | None = typer.Argument(None, help="Cohort file (csv, xlsx, sav, parquet)."),
    site: str | None = typer.Option(None, "--site", help="Site code of the imported patients."),
    mapping: Path | None = typer.Option(None, "--mapping", help="Mapping file (own names, codes)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the diff, write nothing."),
    reason: str | None = typer.Option(None, "--reason", help="Reason, kept in the audit trail."),
    erase_blanks: bool = typer.Option(
        False, "--erase-blanks", help="A blank cell erases the stored value."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object of counts."),
    complications: Path | None = typer.Option(
        None, "--complications", help="Complications table of these patients."
    ),
    redcap: Path | None = typer.Option(None, "--redcap", help="REDCap raw data export (csv)."),
    redcap_dictionary: Path | None = typer.Option(
        None, "--redcap-dictionary", help="REDCap data dictionary (csv)."
    ),
    date_order: str | None = typer.Option(None, "--date-order", help="dmy or mdy."),
    quarantine: Path | None = typer.Option(
        None, "--quarantine", help="Write rejected rows with reasons here."
    ),
    user: str | None = typer.Option(None, "--user", help=_USER_HELP),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Import a cohort file: validate every row, show the diff, commit in one transaction.

    Exit 0: every row accepted; 1: some rows rejected (the others committed); 2: unusable.
    """
    if date_order is not None and date_order not in ("dmy", "mdy"):
        fail(f"--date-order takes dmy or mdy; got {date_order!r}")
    code = _guard(
        _import,
        file,
        site,
        mapping,
        dry_run,
        reason,
        erase_blanks,
        as_json,
        db,
        complications,
        redcap,
        redcap_dictionary,
        date_order,
        quarantine,
        user,
    )
    raise typer.Exit(code)


def _export(
    fmt: str, out: Path, site: str | None, db: str | None, user: str | None, qualify: bool
) -> tuple[Path, Path, int, tuple[str, ...]]:
    from rtdelay.registry import export_registry, qualify_ids, write_export

    registry = _open(db)
    actor = _actor(site, registry, user)
    with registry.session(actor=actor.name, write=True) as session:
        export = export_registry(session, actor, site=site)
        repeated = export.repeated_ids
        if qualify:
            export = qualify_ids(export)
        paths = write_export(export, out, fmt=fmt)
    return paths[0], paths[1], len(export.cohort), (() if qualify else repeated)


@registry_app.command("export")
def export_command(
    fmt: str = typer.Option("csv", "--format", help="csv, xlsx, sav, dta or parquet."),
    out: Path = typer.Option(Path("registry_export"), "--out", help="Cohort file to write."),
    site: str | None = typer.Option(None, "--site", help="Only this site."),
    qualify: bool = typer.Option(
        False,
        "--qualify-ids",
        help="Write patient_id as SITE:ID when a study number repeats "
        "across the exported sites (what 'analyze' needs).",
    ),
    user: str | None = typer.Option(None, "--user", help=_USER_HELP),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Export the cohort file ``rtdelay analyze`` reads, and the complications beside it.

    patient_id is unique per site; the file has a ``site`` column. When a study number repeats
    across the exported sites, ``--qualify-ids`` writes every id as ``SITE:ID``.
    """
    from rtdelay.registry import EXPORT_FORMATS

    if fmt not in EXPORT_FORMATS:
        fail(f"--format must be one of {', '.join(EXPORT_FORMATS)}; got {fmt!r}")
    cohort, comps, n, repeated = _guard(_export, fmt, out, site, db, user, qualify)
    typer.echo(f"{n} patients written to {cohort}; complications to {comps}")
    if repeated:
        shown = ", ".join(repeated[:5]) + (
            f" and {len(repeated) - 5} more" if len(repeated) > 5 else ""
        )
        typer.echo(
            f"note: {len(repeated)} study number(s) repeat across sites ({shown}); the "
            "'site' column tells them apart, but 'rtdelay analyze' on this file rejects "
            "repeated ids: export with --qualify-ids (SITE:ID) or one --site at a time",
            err=True,
        )


def _patient_query(
    query: Any, patient_id: str, site: str | None, db: str | None, user: str | None
) -> Any:
    """``query(session, actor, patient_id, site=site)`` in a read session of the registry at
    ``db`` as ``user`` (the commands that show one patient's records)."""
    registry = _open(db)
    actor = _actor(site, registry, user)
    with registry.session(actor=actor.name) as session:
        return query(session, actor, patient_id, site=site)


def _history(patient_id: str, site: str | None, db: str | None, user: str | None) -> Any:
    from rtdelay.registry import patient_history

    return _patient_query(patient_history, patient_id, site, db, user)


@registry_app.command("history")
def history(
    patient_id: str = typer.Argument(..., help="The patient's study number."),
    site: str | None = typer.Option(None, "--site", help="Site code."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON rows."),
    user: str | None = typer.Option(None, "--user", help=_USER_HELP),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Every recorded change of one patient (and their complications), oldest first."""
    frame = _guard(_history, patient_id, site, db, user)
    if as_json:
        typer.echo(frame.to_json(orient="records", date_format="iso"))
        return
    for row in frame.itertuples(index=False):
        what = f"{row.field}: {row.old_value or '(blank)'} -> {row.new_value or '(blank)'}"
        why = f"  [{row.reason}]" if row.reason else ""
        batch = (
            f"  batch {int(row.batch_id)}" if row.batch_id == row.batch_id and row.batch_id else ""
        )
        typer.echo(
            f"{row.at:%Y-%m-%d %H:%M:%S}Z  {row.actor}  {row.action} {row.entity} "
            f"v{row.entity_version}  {what}{why}{batch}"
        )


def _audit_export(out: Path, db: str | None, user: str | None) -> Path:
    from rtdelay.registry import write_audit_export

    registry = _open(db)
    actor = _actor(None, registry, user)
    with registry.session(actor=actor.name, write=True) as session:
        return write_audit_export(session, actor, out)


@registry_app.command("audit-export")
def audit_export(
    out: Path = typer.Option(Path("audit.csv"), "--out", help="csv file to write."),
    user: str | None = typer.Option(None, "--user", help=_USER_HELP),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Write the whole audit trail as csv."""
    target = _guard(_audit_export, out, db, user)
    typer.echo(f"audit trail written to {target}")


def _admin(registry: Any, user: str | None) -> Any:
    from rtdelay.registry import require

    actor = _actor(None, registry, user)
    require(actor, "admin")
    return actor


@registry_app.command("backup")
def backup(
    file: Path = typer.Argument(..., help="Backup file to write."),
    portable: bool = typer.Option(False, "--portable", help="Portable dump (gzip'd JSON)."),
    user: str | None = typer.Option(None, "--user", help=_USER_HELP),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Write a consistent backup (SQLite online backup; pg_dump for PostgreSQL)."""
    from rtdelay.registry import backup_registry

    def run() -> Path:
        registry = _open(db)
        _admin(registry, user)
        return backup_registry(registry, file, portable=portable)

    target = _guard(run)
    typer.echo(f"backup written to {target}")


@registry_app.command("restore")
def restore(
    file: Path = typer.Argument(..., help="A backup made by 'rtdelay registry backup'."),
    user: str | None = typer.Option(None, "--user", help=_USER_HELP),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Replace the registry's content with a backup."""
    from rtdelay.registry import restore_registry

    def run() -> str:
        from rtdelay.registry import init_registry

        registry, _ = init_registry(db)
        actor = _admin(registry, user) if user is not None else _actor(None, registry)
        return restore_registry(registry, file, actor=actor.name)

    kind = _guard(run)
    typer.echo(f"registry restored from {file} ({kind})")


def _read_password() -> str:
    if sys.stdin is not None and not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    import getpass

    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        fail("the two passwords differ")
    return first


@user_app.command("add")
def user_add(
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option(..., "--role", help="viewer, entry, analyst or admin."),
    site: list[str] = typer.Option([], "--site", help="Site code the user may see (repeat)."),
    user: str | None = typer.Option(None, "--user", help=_USER_HELP),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Add a user; the password is asked for (or read from stdin when it is not a terminal)."""
    from rtdelay.registry import ROLES, add_user

    if role not in ROLES:
        fail(f"--role must be one of {', '.join(ROLES)}; got {role!r}")

    def run() -> None:
        registry = _open(db)
        actor = _actor(None, registry, user)
        password = _read_password()
        with registry.session(actor=actor.name, write=True) as session:
            add_user(session, actor, name, role=role, password=password, sites=list(site))

    _guard(run)
    typer.echo(f"user {name} added ({role}{': ' + ', '.join(site) if site else ''})")


@site_app.command("add")
def site_add(
    code: str = typer.Argument(..., help="Short site code."),
    name: str = typer.Argument(..., help="Site name."),
    user: str | None = typer.Option(None, "--user", help=_USER_HELP),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Add a site."""
    from rtdelay.registry import add_site

    def run() -> None:
        registry = _open(db)
        actor = _actor(None, registry, user)
        with registry.session(actor=actor.name, write=True) as session:
            add_site(session, actor, code, name)

    _guard(run)
    typer.echo(f"site {code} added")


def analyze_registry(url: str | None, *, site: str | None, out: Path, quiet: bool) -> None:
    """``rtdelay analyze --registry [URL] [--site S]``: export (audited) and run the study.

    The registry's cohort goes through the analysis service (:func:`rtdelay.analysis.analyze`,
    which reads files): it is written as ``OUT/registry_cohort.csv`` (and
    ``OUT/registry_complications.csv``), the exact input of the run, kept for reproducibility.
    """
    from rtdelay.analysis import analyze
    from rtdelay.cli._study import _RichProgress, _summary
    from rtdelay.cohort import write_table
    from rtdelay.registry import export_registry, qualify_ids

    def run() -> Any:
        registry = _open(None if url in (None, "", "-") else url)
        actor = _actor(site, registry)
        with registry.session(actor=actor.name, write=True) as session:
            # patient_id is unique per site: repeated across sites, ids become SITE:ID
            export = qualify_ids(export_registry(session, actor, site=site, purpose="analyze"))
        out.mkdir(parents=True, exist_ok=True)
        cohort_path = write_table(export.cohort.drop(columns=["site"]), out / "registry_cohort.csv")
        comp_path = None
        if len(export.complications):
            comp_path = write_table(
                export.complications.drop(columns=["site"]), out / "registry_complications.csv"
            )
        with _RichProgress(quiet) as progress:
            return analyze(cohort_path, complications=comp_path, out_dir=out, progress=progress)

    result = _guard(run)
    if not quiet:
        _summary(result)


from rtdelay.cli import _registry_records  # noqa: E402,F401  (complication commands)
