"""``rtdelay token create|revoke``: bearer tokens of the JSON API; ``rtdelay worker``: the
analysis worker of the web application as its own process."""

from __future__ import annotations

import sys

import typer

from rtdelay.cli._app import app, fail

token_app = typer.Typer(help="Bearer tokens of the web application's JSON API.",
                        no_args_is_help=True)
app.add_typer(token_app, name="token")
_DB_HELP = "Registry URL (default: RTDELAY_DATABASE_URL or the embedded SQLite registry)."


def _registry_call(func):  # type: ignore[no-untyped-def]
    from rtdelay.errors import RtdelayError

    try:
        return func()
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in ("sqlalchemy", "alembic", "argon2", "psycopg"):
            fail(f"the registry needs {exc.name}: pip install 'rtdelay[registry]'")
        raise
    except RtdelayError as exc:
        fail(str(exc))


@token_app.command("create")
def token_create(
    user: str = typer.Argument(..., help="User name the token acts for (same role and sites)."),
    label: str | None = typer.Option(None, "--label", help="What the token is for."),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Create an API token for USER and print it alone on stdout (it is shown only once;
    only its SHA-256 is stored)."""
    from rtdelay.registry import cli_actor, create_api_token, open_registry

    def run() -> str:
        registry = open_registry(db)
        actor = cli_actor()
        with registry.session(actor=actor.name, write=True) as session:
            return create_api_token(session, actor, user, label=label)

    token = _registry_call(run)
    sys.stdout.write(token + "\n")


@token_app.command("revoke")
def token_revoke(
    token_id: int = typer.Argument(..., help="Token number (as in the audit trail)."),
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
) -> None:
    """Revoke an API token."""
    from rtdelay.registry import cli_actor, open_registry, revoke_api_token

    def run() -> None:
        registry = open_registry(db)
        actor = cli_actor()
        with registry.session(actor=actor.name, write=True) as session:
            revoke_api_token(session, actor, token_id)

    _registry_call(run)
    typer.echo(f"token {token_id} revoked")


@app.command("worker")
def worker(
    db: str | None = typer.Option(None, "--db", help=_DB_HELP),
    jobs_dir: str | None = typer.Option(None, "--jobs-dir", help="Folder of job outputs "
                                        "(default: as 'rtdelay serve')."),
    once: bool = typer.Option(False, "--once", help="Run the queued jobs, then stop."),
    interval: float = typer.Option(1.0, "--interval", min=0.1, help="Seconds between polls."),
) -> None:
    """Run the web application's analysis jobs in this process (beside 'rtdelay serve', or
    instead of its worker thread)."""
    try:
        from rtdelay.web import JobWorker, jobs_root, run_pending
    except ImportError:
        fail("the worker needs the 'web' and 'registry' extras: "
             "pip install 'rtdelay[registry,web]'")
    from rtdelay.registry import open_registry

    registry = _registry_call(lambda: open_registry(db))
    root = jobs_root(registry, jobs_dir)
    if once:
        n = run_pending(registry, root, worker="cli-once")
        typer.echo(f"{n} job(s) run")
        return
    runner = JobWorker(registry, root, interval=interval)
    runner.start()
    typer.echo("worker running (Ctrl-C to stop)", err=True)
    try:
        while True:
            runner.join(3600)
    except KeyboardInterrupt:
        runner.stop()
