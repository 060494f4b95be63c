"""Browser tests: Python playwright driving Debian's chromium on a live server.

The server is ``rtdelay serve``'s uvicorn configuration in a thread on a free loopback port
(web_live.py), on a temporary SQLite registry with one user per role and sites A and B.
Screenshots go to ``$RTDELAY_SCREENSHOTS`` when set, else to a folder under pytest's tmp.
Every page is watched: a JavaScript dialog (alert) or a Content-Security-Policy violation
fails the test that caused it. Skipped only where /usr/bin/chromium is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]

if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium (/usr/bin/chromium) is not installed",
                allow_module_level=True)
pytest.importorskip("playwright")


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """Base URL of a live server on a fresh registry (one per test module)."""
    from web_live import build_registry, live_server

    from rtdelay.web import create_app

    url = build_registry(tmp_path_factory.mktemp("live") / "reg.sqlite")
    app = create_app(url)
    app.state.test_db_url = url
    with live_server(app) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory):
    """Folder of the screenshots (test artefacts)."""
    env = os.environ.get("RTDELAY_SCREENSHOTS")
    folder = Path(env) if env else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Watched:
    """A playwright page plus what it must never do: dialogs and CSP violations."""

    def __init__(self, page, base: str, shots: Path):
        self.page, self.base, self.shots = page, base, shots
        self.dialogs: list[str] = []
        self.csp: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.set_default_timeout(20_000)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp.append(message.text)

    def goto(self, path: str):
        return self.page.goto(self.base + path)

    def login(self, name: str, password: str | None = None) -> None:
        from web_live import PASSWORD

        self.goto("/login")
        self.page.fill("input[name=username]", name)
        self.page.fill("input[name=password]", password or PASSWORD)
        self.click("main form button[type=submit]")

    def logout(self) -> None:
        self.click("form[action='/logout'] button")

    def click(self, selector: str) -> None:
        """Click what loads a new page, and wait for that page."""
        with self.page.expect_navigation():
            self.page.click(selector)

    def shot(self, name: str) -> Path:
        target = self.shots / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target


@pytest.fixture
def pages(browser, live, shots):
    """Open watched pages (each in its own browser context: its own cookies)."""
    contexts = []
    opened: list[Watched] = []

    def open_page() -> Watched:
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      accept_downloads=True)
        contexts.append(context)
        watched = Watched(context.new_page(), live, shots)
        opened.append(watched)
        return watched

    yield open_page
    for context in contexts:
        context.close()
    for watched in opened:
        assert not watched.dialogs, f"a script ran in the page: {watched.dialogs}"
        assert not watched.csp, f"Content-Security-Policy violations: {watched.csp}"


@pytest.fixture
def page(pages) -> Watched:
    return pages()
