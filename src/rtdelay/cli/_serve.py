"""``rtdelay serve``: the web application (rtdelay.web) with uvicorn."""

from __future__ import annotations

import sys

import typer

from rtdelay.cli._app import app, fail


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port."),
    db: str | None = typer.Option(None, "--db", help="Registry URL (default: RTDELAY_DATABASE_URL or the "
                                  "embedded SQLite registry)."),
) -> None:
    """Serve the web application (sign in with a user of 'rtdelay user add')."""
    try:
        from rtdelay.web import LOOPBACK
        from rtdelay.web import serve as run_web
    except ImportError:
        fail("the web application needs the 'web' and 'registry' extras: "
             "pip install 'rtdelay[registry,web]'")
    if host not in LOOPBACK:
        sys.stderr.write(f"rtdelay: warning: listening on {host}, not only this machine: put it "
                         "behind a TLS (https) reverse proxy; cookies are Secure only over "
                         "https\n")
    run_web(db, host=host, port=port)
