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
