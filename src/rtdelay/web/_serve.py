"""Running the application with uvicorn (called by ``rtdelay serve``)."""

from __future__ import annotations

from rtdelay.web._settings import WebSettings

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def serve(db_url: str | None, *, host: str = "127.0.0.1", port: int = 8000,
          settings: WebSettings | None = None) -> None:
    """Serve :func:`rtdelay.web.create_app` on ``host:port`` until interrupted."""
    import uvicorn

    from rtdelay.web._app import create_app

    uvicorn.run(create_app(db_url, settings=settings), host=host, port=port, log_level="info",
                server_header=False)
