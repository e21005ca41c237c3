"""Browser tests: the app served from a thread on a free loopback port, Chromium headless.

They skip with a reason when Chromium or Playwright is missing (and fail under
CXROI_REQUIRE_ALL=1). Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from cxroi.extensions import db
from tests.appsupport import PASSWORD, database_url, make_app, reset_schema
from tests.support import ROOT

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover
    sync_playwright = None  # type: ignore[assignment]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e" in str(item.path):
            item.add_marker(pytest.mark.browser)


def sign_in(page: Page, base: str, email: str) -> None:
    """Sign in through the login form as a user whose password is the test PASSWORD."""
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = make_app(
        database_url(tmp_path_factory.mktemp("e2e-db")), WTF_CSRF_ENABLED=True, MC_TRIALS=2000
    )
    reset_schema(app)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    # Port 0: the OS picks a free ephemeral port (none of them is one Chromium blocks).
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if sync_playwright is None:
        pytest.skip("Playwright for Python is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser, live_app: Flask) -> Iterator[Callable[..., Page]]:
    """Pages in fresh contexts; console errors (a CSP violation is one) fail the test."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(width: int = 1280, height: int = 900) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        # A form re-rendered with 400 or 409 is expected, and so is an inline form's
        # refusal (a 4xx fragment, cxroi/fragments.py); a CSP refusal ("Refused to ..."),
        # a script error or a missing stylesheet/script/image is not.
        page.on(
            "console",
            lambda m: (
                errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400
                and r.request.resource_type != "document"
                and not (r.status < 500 and r.headers.get("x-cxroi-fragment") == "1")
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    with live_app.app_context():
        from tests.appsupport import empty_tables

        db.session.remove()
    empty_tables(live_app)
    assert errors == [], f"errors in the browser console: {errors}"


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
