"""Every GET page of the app, for every role, over a demo-like database.

The pages come from the app's ``url_map`` (not a hand list), so a page added later is
walked too; each path parameter is filled from the seeded database. A page whose
parameters cannot be filled is reported with the reason, never skipped silently.
Shared by the text leak test (test client) and the browser walk (Playwright).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import product
from typing import Any

from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from tests.appsupport import PASSWORD, org_default_rate
from tests.support import EXAMPLES_DIR

#: The demo's people (name, email, role), signed in with the tests' PASSWORD.
PEOPLE = (
    ("Casey Exley", "cx@example.com", "cx"),
    ("Fran Ince", "finance@example.com", "finance"),
    ("Ada Min", "admin@example.com", "admin"),
)
ROLES = tuple(role for _, _, role in PEOPLE)
EMAILS = {role: email for _, email, role in PEOPLE}


def _names() -> dict[str, str]:
    from cxroi.approvals.demo import DEMO_APPROVERS

    names = {email: name for name, email, _ in PEOPLE}
    names.update({email: name for name, email, *_ in DEMO_APPROVERS})
    return names


#: Everyone the walk's pages may name (accounts and approvers): email → name.
NAMES = _names()

#: Routes that are not pages for a person: files, machine endpoints, the static folder.
#: Decided by what the route serves (its extension or its blueprint), not page by page.
_NOT_PAGES = re.compile(r"\.(json|xlsx|pdf|csv|png|svg)$|^/(api|static)/|^/(healthz|livez|readyz)$")
_JSON_ENDPOINTS = {"simulations.status"}

_TOKEN = re.compile(r"/s/([A-Za-z0-9_-]{20,100})")


@dataclass
class Seed:
    cases: dict[str, int] = field(default_factory=dict)  # state -> case id
    rows: dict[tuple[int, str], str] = field(default_factory=dict)  # (case, section) -> id
    versions: dict[int, list[int]] = field(default_factory=dict)
    kinds: tuple[str, ...] = ()
    outbox: list[str] = field(default_factory=list)
    months: dict[int, list[str]] = field(default_factory=dict)  # case -> months to walk
    #: (what the link shows, token): view, approve (open), decided, superseded
    links: dict[str, str] = field(default_factory=dict)
    council_months: list[str] = field(default_factory=list)  # the council's meetings


def _example(name: str) -> dict:
    return json.loads((EXAMPLES_DIR / f"{name}.json").read_text())


def _approve_token(email: str, title: str) -> str:
    from cxroi import mail

    for message in mail.outbox():
        if email in message.to and message.subject.startswith("For your approval"):
            found = _TOKEN.search(message.body)
            if found and title.lower() in (message.subject + message.body).lower():
                return found.group(1)
    raise LookupError(f"no approve link for {title!r} mailed to {email}")


def seed(app: Flask) -> Seed:
    """Cases in every state (draft, in review with a challenge and a reply, ready, approved,
    a superseded version with its approve link, changed since its sign-off), an empty draft,
    view and approve links, the outbox, an approver switched off, the organisation's
    default rate set, an archived case, the reporting currency and a rate, actuals and
    metrics (organisation-wide and of the approved case), a finance-adjusted forecast, and
    the council's meetings, actions and decisions."""
    from cxroi import mail
    from cxroi.approvals import links, review
    from cxroi.approvals.demo import prepare_demo_approvals
    from cxroi.approvals.steps import take_case_step
    from cxroi.auth.services import create_user
    from cxroi.cases.casefiles import create_from_document
    from cxroi.cases.services import create_case
    from cxroi.casework.actuals import case_months
    from cxroi.demo import DEMO_FILES
    from cxroi.engine import KINDS
    from cxroi.extensions import db
    from models import Case, CaseVersion

    out = Seed(kinds=tuple(KINDS))
    with app.app_context():
        users = {
            role: create_user(email, role, PASSWORD, name=name, actor="test")
            for name, email, role in PEOPLE
        }
        for name in DEMO_FILES:
            doc = _example(name)
            with org_default_rate(doc.get("discount_rate")):
                create_from_document(users["cx"], doc)
        prepare_demo_approvals()
        # A superseded version with an approve link: the contact-centre case signed off,
        # its link mailed, then reopened by its owner.
        cc = db.session.scalar(select(Case).where(Case.title.ilike("%contact%")))
        assert cc is not None
        take_case_step(cc, "submit", users["cx"], note="walk")
        review.accept_items(cc, users["finance"], [i.id for i in review.items_of(cc)])
        take_case_step(cc, "sign_off", users["finance"], note="walk")
        links.create_link(
            cc,
            users["cx"],
            recipient_name="Morgan Board",
            recipient_email="board@example.com",
            scope="approve",
        )
        take_case_step(cc, "reopen", users["cx"], note="walk")
        _change_since_sign_off(cc, users["cx"])
        # A thread with a reply on the case in review.
        in_review = db.session.scalar(select(Case).where(Case.status == "in_review"))
        assert in_review is not None
        roots = review.threads(in_review)
        thread = next(iter(c for cs in roots.values() for c in cs))
        review.reply(in_review, thread.id, users["cx"], "The 2025 pilot: see the evidence tab.")
        approved = db.session.scalar(select(Case).where(Case.status == "approved"))
        ready = db.session.scalar(select(Case).where(Case.status == "ready"))
        assert approved is not None and ready is not None
        _settings_and_approvers(users["admin"], users["finance"])
        month = _actuals_and_metrics(approved, users["finance"], users["cx"])
        # The demo's council: two meetings with notes, actions and decisions on the case.
        from cxroi.council.demo import prepare_demo_council
        from models import CouncilMeeting

        assert prepare_demo_council() is not None
        out.council_months = list(
            db.session.scalars(select(CouncilMeeting.month).order_by(CouncilMeeting.month))
        )
        create_case(
            users["cx"],
            {
                "title": "An empty draft",
                "currency": "EUR",
                "start_month": "2027-01",
                "horizon_months": 12,
            },
        )
        # An archived case (its pages say so and offer Restore; the portfolio's Archived
        # filter lists it), and the organisation's FX rates (the portfolio converts).
        from cxroi import orgsettings
        from cxroi.cases.archive import archive_case

        shelved = create_case(
            users["cx"],
            {
                "title": "A shelved pilot",
                "currency": "USD",
                "start_month": "2027-01",
                "horizon_months": 12,
            },
        )
        archive_case(
            users["cx"], shelved.id, "A test of the form, not an initiative.", shelved.lock_version
        )
        orgsettings.set_reporting_currency(users["finance"], "EUR")
        orgsettings.set_fx_rate(users["finance"], "GBP", 1.15, "2026-11-02")
        view = links.create_link(
            approved,
            users["cx"],
            recipient_name="Sam Sponsor",
            recipient_email="sponsor@example.com",
            scope="view",
        )
        assert view.token is not None
        out.links = {
            "view": view.token,
            "approve": _approve_token("board@example.com", ready.title),
            "decided": _approve_token("sponsor@example.com", approved.title),
            "superseded": _approve_token("board@example.com", cc.title),
        }
        for case in db.session.scalars(select(Case).order_by(Case.id)):
            key = "reopened" if case.id == cc.id else case.status
            out.cases["archived" if case.archived else key] = case.id
            for section in ("assumptions", "costs", "benefits", "scenarios"):
                parts = getattr(case.doc, section)
                if parts:
                    out.rows[(case.id, section)] = parts[0].id
            out.versions[case.id] = list(
                db.session.scalars(select(CaseVersion.number).where(CaseVersion.case_id == case.id))
            )
            # The approved case's month with actuals; any other case's first month (its
            # actuals pages refuse: the walk reads the refusal too).
            out.months[case.id] = [month] if case.id == approved.id else case_months(case.doc)[:1]
        out.outbox = [m.name for m in mail.outbox()][:3]
    return out


def _change_since_sign_off(case: Any, cx: Any) -> None:
    """After its reopening, the case moves an assumption, a cost line, a scenario and the
    horizon, adds a line and removes one: its changes page lists every kind of change."""
    from cxroi.cases.services import apply_edit

    def edit(doc: dict[str, Any], _retired: Any) -> dict[str, Any]:
        doc = copy.deepcopy(doc)
        first = next(
            a
            for a in doc["assumptions"]
            if str(a.get("owner")).lower() != "finance" and "high" in a
        )
        first["value"] = (first["value"] + first["high"]) / 2
        doc["costs"][0]["amount"] = doc["costs"][0]["amount"] + 1000
        if doc["scenarios"]:
            overrides = doc["scenarios"][0].setdefault("overrides", {})
            key = first["key"]
            overrides[key] = first["value"]
        doc["horizon_months"] = doc["horizon_months"] - 1
        removed = doc["costs"].pop() if len(doc["costs"]) > 1 else None
        assert removed is not None, "the walk's case needs two cost lines"
        doc["costs"].append(
            {
                "id": "c9",
                "name": "Walk-through training",
                "category": "people",
                "recurrence": "once",
                "amount": 2500,
                "month": 1,
            }
        )
        return doc

    apply_edit(cx, case.id, case.lock_version, edit)


def _settings_and_approvers(admin: Any, finance: Any) -> None:
    from cxroi import orgsettings
    from cxroi.approvals import approvers

    orgsettings.set_default_discount_rate(finance, 0.085)
    deputy = approvers.by_email("deputy@example.com")
    assert deputy is not None
    approvers.update_approver(
        admin,
        deputy.id,
        name=deputy.name,
        limit_amount=deputy.limit_amount,
        currency=deputy.currency,
        active=False,
    )


def _actuals_and_metrics(case: Any, finance: Any, cx: Any) -> str:
    """Two months of actuals for every line of ``case`` (drivers too), then the month
    corrected once; standard and custom metrics, organisation-wide and of the case.
    Returns the case's month with actuals."""
    from cxroi.actuals import metrics, services
    from cxroi.casework.actuals import Entry, all_lines, case_months, line_drivers
    from cxroi.casework.cx_metrics import MetricEntry

    doc = case.doc
    months = case_months(doc)[2:4]
    entries = []
    for month in months:
        for line in all_lines(doc):
            if line in doc.costs:
                entries.append(Entry(month, line.id, cost=1234.5))
            else:
                drivers = dict.fromkeys(line_drivers(line), 0.5)
                entries.append(Entry(month, line.id, benefit=2345.5, drivers=drivers))
    services.replace_months(finance, case.id, entries, months)
    first = [e for e in entries if e.month == months[0]]
    services.replace_months(
        finance, case.id, [replace(e, cost=e.cost + 1) if e.cost else e for e in first], months[:1]
    )
    metrics.save(
        cx,
        None,
        [
            MetricEntry(months[0], "nps", "score", 31),
            MetricEntry(months[0], "churn_rate", "ratio", 0.021),
            MetricEntry(months[0], "calls_per_order", "contacts", 0.35),
        ],
    )
    metrics.save(
        finance,
        case.id,
        [
            MetricEntry(months[0], "csat", "%", 82.5),
            MetricEntry(months[1], "contacts", "count", 41000),
        ],
    )
    _forecast(case, finance)
    return months[0]


def _forecast(case: Any, finance: Any) -> None:
    """Finance's adjusted forecast of the first two months left of every line (so the
    realisation page shows it, and the history its audit rows)."""
    from cxroi.approvals.versions import documents
    from cxroi.casework.actuals import all_lines
    from cxroi.engine import load_case
    from cxroi.realisation import forecast
    from cxroi.realisation.services import realisation_of

    initiative = realisation_of(case)
    case_file = load_case(documents(initiative.version)[0])
    n = len(initiative.realisation.months)
    cells = {
        forecast.cell_name(line.id, month): "1500.25"
        for line in all_lines(case_file)
        for month in forecast.months_left(case_file, n)[:2]
    }
    forecast.save(finance, case, case_file, n, cells)


@dataclass(frozen=True)
class Page:
    endpoint: str
    path: str
    label: str  # a file-name-safe name for screenshots


def is_page(rule: Rule) -> bool:
    return (
        "GET" in (rule.methods or ())
        and not _NOT_PAGES.search(rule.rule)
        and rule.endpoint not in _JSON_ENDPOINTS
    )


class Unreachable(AssertionError):
    """A page whose path parameters the walk cannot fill."""


def _values(rule: Rule, arg: str, case_id: int | None, data: Seed) -> list[str]:
    segments = rule.rule.split("/")
    section = segments[3] if len(segments) > 3 else ""
    if arg == "case_id":
        return [str(c) for c in data.cases.values()]
    if arg == "row_id" and case_id is not None:
        row = data.rows.get((case_id, section))
        return [row] if row else []
    if arg == "kind":
        return list(data.kinds)
    if arg == "number" and case_id is not None:
        return [str(n) for n in data.versions.get(case_id, [])]
    if arg == "name":
        return data.outbox[:1]
    if arg == "month" and case_id is not None:
        return data.months.get(case_id, [])
    if arg == "month" and rule.endpoint.startswith("council."):
        return data.council_months
    raise Unreachable(f"{rule.rule}: the walk does not know how to fill <{arg}>")


def status_pages(app: Flask, data: Seed) -> Iterator[Page]:
    """The JSON endpoints whose words a page shows (a simulation's state: its message and
    the results page's panel), for every seeded case."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in _JSON_ENDPOINTS:
            for case_id in data.cases.values():
                path = re.sub(r"<(?:[a-z]+:)?case_id>", str(case_id), rule.rule)
                yield Page(rule.endpoint, path, _slug(path))


def pages(app: Flask, data: Seed, *, sponsor: bool = False) -> Iterator[Page]:
    """The signed-in pages (or, with ``sponsor``, the shared-link pages) with every path
    parameter filled; raises :class:`Unreachable` for one it cannot fill."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not is_page(rule):
            continue
        args = sorted(rule.arguments)
        if ("token" in args) != sponsor:
            continue
        if sponsor:
            for what, token in data.links.items():
                yield Page(rule.endpoint, rule.rule.replace("<token>", token), f"sponsor-{what}")
            continue
        if not args:
            yield Page(rule.endpoint, rule.rule, _slug(rule.rule))
            continue
        case_ids: list[int | None] = (
            [int(c) for c in _values(rule, "case_id", None, data)] if "case_id" in args else [None]
        )
        others = [a for a in args if a != "case_id"]
        found = False
        for case_id in case_ids:
            choices = [_values(rule, a, case_id, data) for a in others]
            for combo in product(*choices):
                path = rule.rule
                filled = dict(zip(others, combo, strict=True))
                if case_id is not None:
                    filled["case_id"] = str(case_id)
                for name, value in filled.items():
                    path = re.sub(rf"<(?:[a-z]+:)?{name}>", value, path)
                found = True
                yield Page(rule.endpoint, path, _slug(path))
        if not found:
            raise Unreachable(f"{rule.rule}: no seeded value for {others}")


def _slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
