"""Every page of a demo-like database, for every role and the sponsor's links, reads as
people write: no template placeholder, no Python repr, no raw float, no internal key."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

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


#: How near (in characters) a person's name must be for their email to be shown.
NEAR = 100
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def leaks(text: str, people: dict[str, str] | None = None) -> list[str]:
    """Every leak in ``text``; with ``people`` (email → name), also an email of a person
    who has a name shown without that name near it."""
    found = [f"{kind}: {m.group(0)!r}" for kind, rx in LEAKS.items() for m in rx.finditer(text)]
    for m in _EMAIL.finditer(text):
        name = (people or {}).get(m.group(0).lower())
        if name and name not in text[max(0, m.start() - NEAR) : m.end() + NEAR]:
            found.append(f"email instead of a name: {m.group(0)!r}")
    return found


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
    people = {"cx@example.com": "Casey Exley"}
    assert leaks("link mailed to cx@example.com", people) == [
        "email instead of a name: 'cx@example.com'"
    ]
    assert leaks("Casey Exley (verified as cx@example.com) · x@example.com", people) == []


@pytest.fixture(scope="module")
def walk(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[pagewalk.Seed]:
    from tests.appsupport import empty_tables

    # An outbox of its own: mail earlier tests sent (to people the seed does not have)
    # would otherwise show on the outbox page as addresses without names.
    saved = app.config["MAIL_OUTBOX"]
    app.config["MAIL_OUTBOX"] = str(tmp_path_factory.mktemp("walk-outbox"))
    empty_tables(app)
    yield pagewalk.seed(app)
    empty_tables(app)
    app.config["MAIL_OUTBOX"] = saved


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
        problems += [f"{page.path}: {p}" for p in leaks(visible_text(r.text), pagewalk.NAMES)]
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
        problems += [f"{page.label}: {p}" for p in leaks(visible_text(r.text), pagewalk.NAMES)]
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


def _signed_in(app: Flask, role: str) -> Any:
    client = app.test_client()
    client.post("/login", data={"email": pagewalk.EMAILS[role], "password": PASSWORD})
    return client


def test_changes_since_sign_off_read_by_name_and_unit(app: Flask, walk: pagewalk.Seed) -> None:
    """The reopened contact-centre case moved an assumption, a line, a scenario and the
    horizon, added a line and removed one (tests/pagewalk.py): each reads by its name."""
    doc = pagewalk._example("contact-centre")
    moved = next(a for a in doc["assumptions"] if a["key"] == "churn_reduction")
    new_value = (moved["value"] + moved["high"]) / 2
    html = _signed_in(app, "finance").get(f"/cases/{walk.cases['reopened']}/review/changes").text
    text = visible_text(html)
    horizon = doc["horizon_months"]
    assert f"Horizon: {horizon} months → {horizon - 1} months" in text
    assert f"Value: {moved['value']:.1%} → {new_value:.1%}" in text
    # The scenario's override is the assumption's label at its value, not a key or a dict.
    assert f"{moved['label']}: {moved['value'] * 0.5:.1%}" in text  # "Pilot results halve"
    assert f"{moved['label']}: {new_value:.1%}" in text
    removed = doc["costs"][-1]["name"]
    assert re.search(rf"{re.escape(removed)} cost · removed", text)
    assert "Walk-through training cost · added" in text
    assert "<code>horizon_months" not in html  # the key is the element id only
    assert "horizon_months" not in text and "churn_reduction" not in text


def test_history_names_lines_people_and_units(app: Flask, walk: pagewalk.Seed) -> None:
    from cxroi.extensions import db
    from models import Case

    with app.app_context():
        case = db.session.get(Case, walk.cases["approved"])
        assert case is not None
        cost = case.doc.costs[0].name
    text = visible_text(_signed_in(app, "cx").get(f"/cases/{walk.cases['approved']}/history").text)
    month = walk.months[walk.cases["approved"]][0]
    # Actuals by line name and field label, in the case currency (pagewalk enters 1,234.5
    # and corrects it to 1,235.5).
    assert f"actual update · {month} · {cost} · Cost £1,234 £1,236" in text
    assert "Customer satisfaction (CSAT) 82.5%" in text
    # The sponsor's link and code events name the sponsor, not the address.
    assert "link mailed to Sam Sponsor (outbox)" in text
    assert "to sponsor@example.com" not in text


def test_metrics_read_by_their_unit(app: Flask, walk: pagewalk.Seed) -> None:
    client = _signed_in(app, "cx")
    org = visible_text(client.get("/metrics").text)
    assert "2027" in org and " 2.1% " in org and "0.021" not in org  # churn rate 0.021
    case = visible_text(client.get(f"/cases/{walk.cases['approved']}/metrics").text)
    assert "41,000" in case and "82.5%" in case


_POST_FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def test_every_form_has_a_csrf_token_and_sponsor_pages_have_no_script(
    other_app: Any, walk: pagewalk.Seed
) -> None:
    """Over every walked page, with CSRF on as deployed: each POST form carries its token;
    the sponsor's pages load no script at all (their rule)."""
    app = other_app(WTF_CSRF_ENABLED=True)
    problems: list[str] = []
    forms = 0
    for role in pagewalk.ROLES:
        client = app.test_client()
        token = _CSRF.search(client.get("/login").text)
        assert token is not None
        data = {"email": pagewalk.EMAILS[role], "password": PASSWORD, "csrf_token": token[1]}
        assert client.post("/login", data=data).status_code == 302
        for page in pagewalk.pages(app, walk):
            r = client.get(page.path)
            if r.mimetype != "text/html":
                continue
            for body in _POST_FORM.findall(r.text):
                forms += 1
                if 'name="csrf_token"' not in body:
                    problems.append(f"{role} {page.path}: a form without a CSRF token")
    sponsor = app.test_client()
    for page in pagewalk.pages(app, walk, sponsor=True):
        html = sponsor.get(page.path).text
        if "<script" in html:
            problems.append(f"{page.label}: a script on a sponsor page")
        for body in _POST_FORM.findall(html):
            forms += 1
            if 'name="csrf_token"' not in body:
                problems.append(f"{page.label}: a form without a CSRF token")
    assert forms > 100
    assert not problems, "\n".join(problems)


def test_the_seed_reaches_every_page(app: Flask, walk: pagewalk.Seed) -> None:
    """Each page of url_map answers 200 for some role on some seeded path: the walk reads
    the page itself, not only a refusal (an approved case's actuals month, the admin's
    outbox message, a frozen version...)."""
    shown: set[str] = set()
    endpoints = {page.endpoint for page in pagewalk.pages(app, walk)}
    clients = [_signed_in(app, role) for role in pagewalk.ROLES] + [app.test_client()]
    for client in clients:  # each role, then no one (the sign-in page)
        for page in pagewalk.pages(app, walk):
            if page.endpoint not in shown and client.get(page.path).status_code == 200:
                shown.add(page.endpoint)
    assert len(endpoints) > 25
    assert endpoints - shown == set()


def test_no_simulation_status_leaks(app: Flask, walk: pagewalk.Seed) -> None:
    """The simulation's state, which the results page polls and shows (its message and
    panel), for every case: a simulated one and the empty draft with nothing to simulate."""
    client = _signed_in(app, "finance")
    problems, states = [], set()
    for page in pagewalk.status_pages(app, walk):
        body = client.get(page.path).get_json()
        states.add(body["status"])
        text = body["message"] + " " + visible_text(body["html"])
        problems += [f"{page.path}: {p}" for p in leaks(text, pagewalk.NAMES)]
    assert {"done", "none"} <= states
    assert not problems, "\n".join(problems)
