"""HTTP helpers for the approval tests: CSRF tokens from pages, signing in."""

from __future__ import annotations

import re
from typing import Any

from tests.app.approvals.conftest import PASSWORD

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(app: Any, user: Any) -> Any:
    client = app.test_client()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302, response.text
    return client


def post_form(client: Any, page_url: str, url: str, data: dict[str, Any]) -> Any:
    """POST ``data`` to ``url`` with the CSRF token of the page at ``page_url``."""
    token = csrf_from(client.get(page_url).text)
    return client.post(url, data={**data, "csrf_token": token})


def ask_code_over_http(client: Any, token: str, headers: dict[str, str] | None = None) -> Any:
    """Press "Decide: email me a code" on the sponsor's page."""
    page = client.get(f"/s/{token}", headers=headers or {})
    return client.post(
        f"/s/{token}/code", data={"csrf_token": csrf_from(page.text)}, headers=headers or {}
    )


def decide_over_http(
    client: Any,
    token: str,
    decision: str = "approve",
    headers: dict[str, str] | None = None,
    **data: Any,
) -> Any:
    """The sponsor's decision through the pages: Decide, the code from the mail, submit."""
    from tests.approving import code_in, newest_mail
    from tests.approving import link_of as link_for

    link = link_for(token)
    if "code" not in data:
        sent = ask_code_over_http(client, token, headers)
        assert sent.status_code == 200, sent.text
        data["code"] = code_in(newest_mail(link.recipient_email, "Your code").subject)
    # The CSRF token belongs to the browser session: the page's own form gives it (a
    # view link's page has none; a signed-in browser's /login redirects).
    page = client.get(f"/s/{token}", headers=headers or {}).text
    if _CSRF.search(page) is None:
        page = client.get("/login").text
    form = {
        "csrf_token": csrf_from(page),
        "name": "Dana Reyes",
        "comment": "",
        "decision": decision,
        "version_hash": link.version.case_hash,
        **data,
    }
    return client.post(f"/s/{token}/decision", data=form, headers=headers or {})


def case_form(client: Any, case_id: int, **fields: str) -> dict[str, str]:
    """The case details form as its page holds it now (a fresh CSRF token and lock
    version), with the discount rate at 9 % a year at month ends and ``fields`` in place."""
    from cxroi.extensions import db
    from models import Case

    page = client.get(f"/cases/{case_id}/edit").text
    db.session.expire_all()
    stored = db.session.get(Case, case_id)
    return {
        "csrf_token": csrf_from(page),
        "lock_version": str(stored.lock_version),
        "title": stored.title,
        "currency": stored.currency,
        "start_month": stored.start_month,
        "horizon_months": str(stored.horizon_months),
        "description": stored.doc.description or "",
        "customer_problem": stored.doc.customer_problem or "",
        "evidence": stored.doc.evidence or "",
        "monte_carlo_trials": str(stored.doc.monte_carlo_trials or ""),
        "discount_rate": "9",
        "discounting": "end_of_month",
        **fields,
    }
