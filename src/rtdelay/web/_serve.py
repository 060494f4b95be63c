"""Running the application with uvicorn (called by ``rtdelay serve``)."""

from __future__ import annotations

from typing import Any

from rtdelay.web._logging import install_log_redaction
from rtdelay.web._settings import WebSettings

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def uvicorn_config(app: Any, *, host: str = "127.0.0.1", port: int = 8000,
                   log_level: str = "info") -> Any:
    """The ``uvicorn.Config`` of ``rtdelay serve`` for ``app``: no Server header, and the
    access log without patient identifiers (see :mod:`rtdelay.web._logging`)."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, log_level=log_level,
                            server_header=False)
    install_log_redaction()  # after uvicorn's own logging configuration
    return config


def serve(db_url: str | None, *, host: str = "127.0.0.1", port: int = 8000,
          settings: WebSettings | None = None) -> None:
    """Serve :func:`rtdelay.web.create_app` on ``host:port`` until interrupted."""
    import uvicorn

    from rtdelay.web._app import create_app

    app = create_app(db_url, settings=settings)
    uvicorn.Server(uvicorn_config(app, host=host, port=port)).run()
