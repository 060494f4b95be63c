"""The application factory: routers, templates, static files, security headers, errors."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from rtdelay.registry import open_registry
from rtdelay.web._deps import LoginRequired
from rtdelay.web._errors import install_error_handlers
from rtdelay.web._jobs import app_lifespan
from rtdelay.web._settings import WebSettings

HERE = Path(__file__).parent

# The routers of the app, by area (rtdelay.web.routers.<name>). Each module has ``router`` and
# ``PERMISSIONS``: (method, path) -> permission (None: anyone, even signed out).
ROUTER_MODULES: tuple[str, ...] = (
    "auth",
    "pages",
    "analyses",
    "calculators",
    "api",
    "patients",
    "imports",
    "export",
    "admin",
)


def _router_module(name: str) -> Any:
    return importlib.import_module(f"rtdelay.web.routers.{name}")


def htmx_folder() -> Path:
    """Folder holding ``htmx.min.js``, from the installed ``django-js-lib-htmx`` distribution.

    Located with :func:`importlib.util.find_spec` (its ``__init__`` is not run: it names a
    Django app config, and Django is not needed to serve a static file).
    """
    import importlib.util

    spec = importlib.util.find_spec("js_lib_htmx")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "HTMX is missing: install the web extra (pip install 'rtdelay[web]'), which brings "
            "django-js-lib-htmx"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "htmx"


def _route_permissions() -> dict[tuple[str, str], str | None]:
    table: dict[tuple[str, str], str | None] = {}
    for name in ROUTER_MODULES:
        for key, permission in _router_module(name).PERMISSIONS.items():
            if key in table:
                raise RuntimeError(f"route {key} declared twice")
            table[key] = permission
    return table


# One table of who may use which route, gathered from the routers' PERMISSIONS.
# tests/web/test_routes.py walks app.routes and fails on a route missing here.
ROUTE_PERMISSIONS: dict[tuple[str, str], str | None] = _route_permissions()

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _recent_analyses(session: Any, actor: Any) -> list[dict[str, str]]:
    """The dashboard's last analyses: the five newest jobs the user may see."""
    from rtdelay.web._jobs import visible_jobs

    return [
        {
            "id": job.public_id,
            "status": job.status,
            "source": job.source,
            "site": job.site_code or "",
            "created": job.created_at.strftime("%Y-%m-%d %H:%M"),
        }
        for job in visible_jobs(session, actor, limit=5)
    ]


def create_app(db_url: str | None = None, *, settings: WebSettings | None = None) -> FastAPI:
    """The rtdelay web application on the registry at ``db_url``.

    Parameters
    ----------
    db_url : str, optional
        Registry URL (default: ``RTDELAY_DATABASE_URL`` or the embedded SQLite file); it must exist
        (``rtdelay registry init``).
    settings : WebSettings, optional
        Timeouts, lockout and page size.
    """
    app = FastAPI(
        title="rtdelay", docs_url=None, redoc_url=None, openapi_url=None, lifespan=app_lifespan
    )
    app.state.registry = open_registry(db_url)
    app.state.settings = settings or WebSettings()
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.state.failures = {}
    app.state.idle_due = {}  # session token hash -> when its idle clock is next due (_deps)
    app.state.recent_analyses = _recent_analyses
    # HTMX comes from a dependency's package data (django-js-lib-htmx: the unmodified htmx
    # release files, 0BSD; it does not need Django): no CDN, no copy in this repository.
    app.mount("/static/htmx", StaticFiles(directory=str(htmx_folder())), name="htmx")
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    env = app.state.templates.env
    # Templates are package files that do not change while the server runs: no stat() of each
    # template on every page. The two static addresses are worked out once from the mounts
    # (Starlette's url_for walks every route on each call: a fifth of a list page's rendering).
    env.auto_reload = False
    env.globals["style_url"] = str(app.url_path_for("static", path="style.css"))
    env.globals["favicon_url"] = str(app.url_path_for("static", path="favicon.svg"))
    env.globals["htmx_url"] = str(app.url_path_for("htmx", path="htmx.min.js"))
    for name in ROUTER_MODULES:
        app.include_router(_router_module(name).router)

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "not signed in"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    install_error_handlers(app, SECURITY_HEADERS)
    return app
