"""Every page of a demo-like database, for every role and the sponsor's links, reads as
people write: no template placeholder, no Python repr, no raw float, no internal key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from flask import Flask

from tests import pagewalk
from tests.appsupport import PASSWORD

LEAKS = {
    "placeholder": re.compile(r"\{[a-z_]+\}"),
    "Python repr": re.compile(r"\bNone\b|\{'|\[<|object at 0x|\bTrue\b|\bFalse\b"),
    "raw float": re.compile(r"(?<![\w.])-?\d+\.\d{5,}"),
    "internal key": re.compile(r"(?<![\w./-])[a-z]+(?:_[a-z0-9]+)+(?![\w/-])"),
}


class _Text(HTMLParser):
    HIDDEN = frozenset({"script", "style", "template", "code", "pre", "title"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def leaks(text: str) -> list[str]:
    return [f"{kind}: {m.group(0)!r}" for kind, rx in LEAKS.items() for m in rx.finditer(text)]


def test_the_detector_finds_each_leak() -> None:
    found = leaks("Done: submit {case} · None · {'a': 1} · 0.18000001 · payback_months")
    assert [f.split(":")[0] for f in found] == [
        "placeholder",
        "Python repr",
        "Python repr",
        "raw float",
        "internal key",
    ]
    assert leaks("NPV £1,234 · 18.0% · payback 16.0 months · Casey Exley") == []


@pytest.fixture(scope="module")
def walk(app: Flask) -> Iterator[pagewalk.Seed]:
    from tests.appsupport import empty_tables

    empty_tables(app)
    yield pagewalk.seed(app)
    empty_tables(app)


@pytest.fixture(autouse=True)
def _clean() -> None:
    """The module's seed stays for all its tests (overrides the per-test cleaning)."""


@pytest.mark.parametrize("role", pagewalk.ROLES)
def test_no_page_leaks_for(role: str, app: Flask, walk: pagewalk.Seed) -> None:
    client = app.test_client()
    r = client.post("/login", data={"email": pagewalk.EMAILS[role], "password": PASSWORD})
    assert r.status_code == 302, r.text
    problems = []
    seen = 0
    for page in pagewalk.pages(app, walk):
        r = client.get(page.path)
        if r.status_code in (301, 302, 303):
            continue
        if r.status_code >= 500:
            problems.append(f"{page.path}: {r.status_code}")
            continue
        if r.mimetype != "text/html":
            continue
        seen += 1
        problems += [f"{page.path}: {p}" for p in leaks(visible_text(r.text))]
    assert seen > 15
    assert not problems, "\n".join(problems)


def test_no_sponsor_page_leaks(app: Flask, walk: pagewalk.Seed) -> None:
    client = app.test_client()
    problems = []
    for page in pagewalk.pages(app, walk, sponsor=True):
        r = client.get(page.path)
        if r.mimetype != "text/html":
            continue
        assert r.status_code == 200, (page.path, r.status_code)
        problems += [f"{page.label}: {p}" for p in leaks(visible_text(r.text))]
    assert not problems, "\n".join(problems)


def test_sponsor_page_leads_with_the_ask(app: Flask, walk: pagewalk.Seed) -> None:
    from sqlalchemy import select

    from cxroi.approvals.versions import documents
    from cxroi.extensions import db
    from models import SharedLink

    client = app.test_client()
    html = client.get(f"/s/{walk.links['approve']}").text
    with app.app_context():
        link = db.session.scalars(
            select(SharedLink).where(SharedLink.case_id == walk.cases["ready"])
        ).first()
        assert link is not None
        version = link.version
        case_doc, result = documents(version)
    m, mc = result["metrics"], result["monte_carlo"]
    total = f"£{round(m['total_costs']):,}"
    pv = f"£{round(m['pv_costs']):,}"
    assert f'id="ask-investment">{total}<' in html
    assert f'id="ask-pv-costs">{pv}<' in html
    assert case_doc["customer_problem"][:40] in html.replace("&#39;", "'")
    assert f"{mc['prob_npv_positive'] * 100:.1f}%" in html
    # The ask comes before the chart, the three top assumptions have their review status.
    assert html.index("ask-investment") < html.index("Cumulative net cash flow")
    assert html.count("finance: accepted") == 3
    assert ">no payback within 24 months</text>" in html  # this case does not pay back
    approved = client.get(f"/s/{walk.links['view']}").text
    assert re.search(r'id="payback-label"[^>]*>payback \d+\.\d months</text>', approved)


def test_superseded_link_agrees_with_the_decisions_it_lists(
    app: Flask, walk: pagewalk.Seed
) -> None:
    html = app.test_client().get(f"/s/{walk.links['superseded']}").text
    assert "A newer version exists" in html
    assert "Your decision was not recorded" not in html
    assert "No decision was recorded on this version" in html
    assert "Decisions on this version" not in html
