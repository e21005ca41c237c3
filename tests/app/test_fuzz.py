"""Fuzz every form and every API operation: no input gets a 5xx, and a refusal saves
nothing (issue 10, item 4).

The routes come from the app's own ``url_map`` (every rule accepting POST or PUT), so a
new form is fuzzed without anyone listing it. Each form's fields and their valid values
are read from the page that shows the form (its ``action`` is the route); hypothesis
replaces some of them with values from :data:`tests.strategies.hostile_text`. API bodies
are the example case with one value replaced by :data:`tests.strategies.hostile_json`.
A 4xx must leave the database as it was: the row count of every table (but the log of
link uses, which records refused uses on purpose) and every case's document.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from cxroi.api.tokens import create_token
from cxroi.approvals import review
from cxroi.approvals.steps import take_case_step
from cxroi.extensions import db
from tests.app.approvals.conftest import FreshUserClient, accept_all, load_example_case
from tests.app.approvals.conftest import make_user as make_account
from tests.app.approvals.web import csrf_from
from tests.approving import send_approve_link
from tests.appsupport import PASSWORD, example_document
from tests.strategies import hostile_json, hostile_text

pytestmark = pytest.mark.fuzz

#: Examples per route: bounded, so that the whole run takes a minute or two; set
#: CXROI_FUZZ_EXAMPLES for a longer hunt.
EXAMPLES = int(os.environ.get("CXROI_FUZZ_EXAMPLES", "12"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
#: Fields forged into a form no page shows now (a step the case is not at, a review of a
#: frozen case): what such forms have, and a name no form has.
FIELDS_OF_HIDDEN_FORMS = ["note", "verdict", "comment", "name", "value"]
#: Tables whose rows a refused request may add on purpose (every use of a link is logged).
LOGS = {"link_uses"}


class _Forms(HTMLParser):
    """Every form of a page: its action and its fields with the values the page gives."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._fields: dict[str, str] | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._fields = self.forms.setdefault(a.get("action", ""), {})
        elif self._fields is None or not a.get("name"):
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in a:
                self._fields.setdefault(a["name"], "")
                if kind == "radio" and not self._fields[a["name"]]:
                    self._fields[a["name"]] = a.get("value", "")
                return
            if kind != "file":
                self._fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self._fields.setdefault(a["name"], "")
        elif tag == "option" and self._select and not self._fields.get(self._select):
            self._fields[self._select] = a.get("value", "")
        if tag == "button" and a.get("name"):
            self._fields.setdefault(a["name"], a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._fields is not None and self._textarea:
            self._fields[self._textarea] += data


def forms_on(html: str) -> dict[str, dict[str, str]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class World:
    """Accounts, cases in several states, a thread, a link, tokens: something for every
    route to act on."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.cx = make_account("cx@example.com", "cx", "Casey Author")
        self.finance = make_account("fin@example.com", "finance", "Fran Finance")
        self.admin = make_account("admin@example.com", "admin", "Ada Admin")
        self.draft = load_example_case(self.cx)
        self.ready = load_example_case(self.cx)
        take_case_step(self.ready, "submit", self.cx)
        accept_all(self.ready, self.finance)
        take_case_step(self.ready, "sign_off", self.finance)
        self.thread = review.start_thread(self.draft, self.finance, "Where from?", None)
        # an approve link to an approver of the directory, its token read from the mail
        self.link, self.token = send_approve_link(self.ready, self.cx, "d@example.com")
        self.api_row, self.api_token = create_token(self.cx, "fuzz", "write")
        # the council's records: a meeting (its month) and an action (its id)
        from cxroi.council import services as council

        self.meeting = council.create_meeting(self.finance, {"month": "2026-04"})
        self.action = council.add_action(
            self.cx, {"action": "Fuzz", "owner": "Dana", "due_date": "2026-05-01"}
        )
        db.session.commit()

    def path_values(self, endpoint: str, arguments: set[str], rule: str) -> dict[str, Any]:
        case = self.ready if endpoint.startswith(("approvals.", "links.")) else self.draft
        if endpoint in ("approvals.add_comment", "approvals.reply", "approvals.resolve"):
            case = self.draft
        doc = json.loads(case.document)
        section = next(
            (s for s in ("assumptions", "costs", "benefits", "scenarios") if f"/{s}/" in rule),
            "costs",
        )
        values: dict[str, Any] = {
            "case_id": case.id,
            "section": "costs",
            "row_id": (doc[section] or doc["costs"])[0]["id"],
            "kind": "churn",
            "key": doc["assumptions"][0]["key"],
            "step": "submit" if case is self.draft else "approve",
            "thread_id": self.thread.id,
            "link_id": self.link.link.id,
            "approver_id": self.link.link.approver_id,
            "item_id": doc["assumptions"][0]["id"],
            # a case's month (actuals, metrics) or the council meeting's month
            "month": self.meeting.month if endpoint.startswith("council.") else doc["start_month"],
            "name": "nps",
            "token_id": self.api_row.id,
            "user_id": self.cx.id,
            "token": self.token,
            "case_id_api": case.id,
            "action_id": self.action.id,
            "index": 0,  # a rank-correlation pair's place in the case's list
        }
        return {name: values[name] for name in arguments}

    def role_for(self, endpoint: str) -> Any:
        if endpoint.startswith("admin."):
            return self.admin
        if endpoint.startswith(("links.",)) or endpoint == "auth.login":
            return None
        if endpoint.startswith("approvals.") and endpoint != "approvals.create_link":
            return self.finance
        return self.cx


def snapshot() -> dict[str, Any]:
    """Row counts of every table but the logs, and a hash of every case's content.

    The audit chain is counted without the seals of log rows (a refused use of a link is
    logged, and so sealed, on purpose)."""
    db.session.expire_all()
    counts = {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name not in LOGS | {"audit_chain"}
    }
    counts["audit_chain"] = sum(
        1
        for kind, payload in db.session.execute(text("SELECT kind, payload FROM audit_chain"))
        if not (kind == "row" and json.loads(payload).get("table") in LOGS)
    )
    rows = db.session.execute(
        text("SELECT id, lock_version, status, case_hash, document FROM cases ORDER BY id")
    ).all()
    digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    db.session.rollback()
    return {"counts": counts, "cases": digest}


@pytest.fixture
def csrf_app(app: Flask) -> Iterator[Flask]:
    saved = app.config["WTF_CSRF_ENABLED"], app.test_client_class
    app.config["WTF_CSRF_ENABLED"] = True
    app.test_client_class = FreshUserClient
    yield app
    app.config["WTF_CSRF_ENABLED"], app.test_client_class = saved


def _form_rules(app: Flask) -> list[tuple[str, str]]:
    return sorted(
        (rule.endpoint, rule.rule)
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")
    )


def _api_rules(app: Flask) -> list[tuple[str, str, str]]:
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in ("POST", "PUT")
        if method in (rule.methods or ())
    )


def _rules_of(kind: str) -> list[Any]:
    from tests.appsupport import make_app

    probe = make_app("sqlite://")
    return _form_rules(probe) if kind == "form" else _api_rules(probe)


#: Pages that show forms posting elsewhere (the review page's steps, the header's logout).
def _pages(world: World, url: str) -> list[str]:
    pages = [url]
    for case in (world.draft, world.ready):
        pages += [
            f"/cases/{case.id}",
            f"/cases/{case.id}/inputs",
            f"/cases/{case.id}/review",
            f"/cases/{case.id}/links",
        ]
    return [*pages, "/profile", "/admin/users", f"/s/{world.token}", "/login", "/"]


def _form_fields(client: Any, world: World, url: str) -> tuple[dict[str, str], str]:
    """The fields of the form posting to ``url`` and a CSRF token, from the pages."""
    token = ""
    for page in _pages(world, url):
        response = client.get(page)
        if response.status_code != 200:
            continue
        token = token or next(
            iter(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', response.text)), ""
        )
        found = forms_on(response.text)
        if page == url and "" in found:  # a form without an action posts to its page
            found.setdefault(url, found[""])
        if url in found:
            return dict(found[url]), csrf_from(response.text)
    return {}, token or csrf_from(client.get("/login").text)


def _signed_in(app: Flask, user: Any) -> Any:
    client = app.test_client()
    if user is not None:
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
        )
        assert response.status_code == 302
    return client


@pytest.mark.parametrize(("endpoint", "rule"), _rules_of("form"))
def test_no_form_answers_a_hostile_value_with_a_5xx_or_a_partial_save(csrf_app, endpoint, rule):
    world = World(csrf_app)
    url_rule = next(
        r for r in csrf_app.url_map.iter_rules() if r.rule == rule and r.endpoint == endpoint
    )
    with csrf_app.test_request_context():
        from flask import url_for

        url = url_for(endpoint, **world.path_values(endpoint, set(url_rule.arguments), rule))
    client = _signed_in(csrf_app, world.role_for(endpoint))
    fields, csrf = _form_fields(client, world, url)
    fields.pop("csrf_token", None)
    names = sorted(fields) or FIELDS_OF_HIDDEN_FORMS

    @FUZZ
    @given(data=st.data())
    def post_hostile(data: st.DataObject) -> None:
        chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
        form = dict(fields)
        for name in chosen:
            form[name] = data.draw(hostile_text, label=name)
        if "lock_version" in form and "lock_version" not in chosen:  # the latest, so a
            db.session.expire_all()  # valid edit saves and a refused one is the value's fault
            form["lock_version"] = str(
                db.session.scalar(
                    text("SELECT lock_version FROM cases WHERE id = :i"), {"i": world.draft.id}
                )
            )
            db.session.rollback()
        before = snapshot()
        response = client.post(url, data={**form, "csrf_token": csrf})
        assert response.status_code < 500, (url, form, response.text[:2000])
        if 400 <= response.status_code < 500:
            assert snapshot() == before, (url, form, response.status_code)

    post_hostile()


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in the document (dict keys and list indices)."""
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            found += _paths(v, (*prefix, i))
    return found


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = json.loads(json.dumps(doc))
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


@pytest.mark.parametrize(("endpoint", "rule", "method"), _rules_of("api"))
def test_no_api_operation_answers_a_hostile_body_with_a_5xx_or_a_partial_save(
    app, endpoint, rule, method
):
    world = World(app)
    url = rule.replace("<int:case_id>", str(world.draft.id))
    client = app.test_client()
    auth = {"Authorization": f"Bearer {world.api_token}"}
    doc = example_document()
    paths = _paths(doc)

    @FUZZ
    @given(path=st.sampled_from(paths), value=hostile_json)
    def send_hostile(path: tuple[Any, ...], value: Any) -> None:
        body = json.dumps(_replaced(doc, path, value))  # NaN and Infinity as JSON has them
        headers = {**auth, "Content-Type": "application/json"}
        if method == "PUT":
            headers["If-Match"] = client.get(url, headers=auth).headers.get("ETag", "*")
        before = snapshot()
        response = client.open(url, method=method, data=body, headers=headers)
        assert response.status_code < 500, (url, path, value, response.text[:2000])
        if 400 <= response.status_code < 500:
            assert response.mimetype == "application/problem+json"
            assert snapshot() == before, (url, path, value)

    send_hostile()
