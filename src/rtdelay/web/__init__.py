"""The web application of rtdelay: FastAPI, server-rendered Jinja2 pages, the registry.

``create_app(db_url, settings=...)`` builds the application; ``rtdelay serve`` runs it with
uvicorn. Only this package imports FastAPI and Starlette (import-linter contract).
"""

from __future__ import annotations

from rtdelay.web._app import ROUTE_PERMISSIONS, create_app
from rtdelay.web._jobs import JobWorker, jobs_root, run_pending
from rtdelay.web._serve import LOOPBACK, serve, uvicorn_config
from rtdelay.web._settings import WebSettings

__all__ = ["LOOPBACK", "ROUTE_PERMISSIONS", "JobWorker", "WebSettings", "create_app",
           "jobs_root", "run_pending", "serve", "uvicorn_config"]
