"""Every GET page, for every role and the sponsor's links, at 360 and 1280 px: the document
is no wider than the viewport, and axe-core (vendored in tests/e2e/vendor) finds nothing.

The pages come from the app's url_map (tests/pagewalk.py), so a new page is walked too.
Screenshots go to test-artifacts/screenshots/walk-<width>-<role>-<page>.png.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page

from tests import pagewalk
from tests.appsupport import empty_tables
from tests.e2e.conftest import screenshot, sign_in

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WIDTHS = (360, 1280)


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Pages in fresh contexts that keep the module's seeded database (the shared
    fixture empties every table after each test)."""
    contexts = []

    def make(width: int, height: int = 800) -> Page:
        # axe is injected as a script: the walk bypasses the CSP (other tests check it).
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def walk(live_app: Flask) -> Iterator[pagewalk.Seed]:
    empty_tables(live_app)
    yield pagewalk.seed(live_app)
    empty_tables(live_app)


def check(page: Page, url: str, name: str) -> list[str]:
    response = page.goto(url)
    if response is None or response.status >= 500:
        return [f"{name}: {url} answered {response.status if response else 'nothing'}"]
    if "text/html" not in (response.headers.get("content-type") or ""):
        return []
    problems = []
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        problems.append(f"{name}: document {width[0]} px wide in a {width[1]} px viewport")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => v.id + ' (' + v.impact + ') ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    problems += [f"{name}: axe {v}" for v in found]
    screenshot(page, name)
    return problems


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", pagewalk.ROLES)
def test_every_page_fits_and_passes_axe(
    role: str,
    width: int,
    live_app: Flask,
    live_server: str,
    walk: pagewalk.Seed,
    new_page: Callable[..., Page],
) -> None:
    page = new_page(width=width, height=800)
    sign_in(page, live_server, pagewalk.EMAILS[role])
    problems: list[str] = []
    walked = 0
    for target in pagewalk.pages(live_app, walk):
        problems += check(page, live_server + target.path, f"walk-{width}-{role}-{target.label}")
        walked += 1
    assert walked > 15
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_every_sponsor_page_fits_and_passes_axe(
    width: int,
    live_app: Flask,
    live_server: str,
    walk: pagewalk.Seed,
    new_page: Callable[..., Page],
) -> None:
    page = new_page(width=width, height=800)
    problems: list[str] = []
    for target in pagewalk.pages(live_app, walk, sponsor=True):
        problems += check(page, live_server + target.path, f"walk-{width}-{target.label}")
    assert not problems, "\n".join(problems)


def test_a_sponsor_error_takes_focus_on_a_script_free_page(
    live_server: str, walk: pagewalk.Seed, new_page: Callable[..., Page]
) -> None:
    """An approval without a code or a name: the error summary is shown and focused by
    the HTML ``autofocus`` attribute, as the sponsor's pages run no script. (Last in the
    module: it sends a code on the walk's approve link.)"""
    page = new_page(width=360, height=640)
    page.goto(f"{live_server}/s/{walk.links['approve']}")
    page.locator("#send-code").click()
    page.get_by_role("button", name="Approve version 1").click()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    # autofocus applies at the next rendering step after the load: wait for it (5 s).
    page.wait_for_function(
        "() => document.activeElement.classList.contains('error-summary')", timeout=5000
    )
    assert page.evaluate("() => document.scripts.length") == 0
    box = summary.bounding_box()
    assert box is not None and 0 <= box["y"] < 640  # in view
    screenshot(page, "sponsor-error-360")
