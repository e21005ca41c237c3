"""Session and transport (issue 9, item 6): rotation at login, Secure cookies and HSTS by
default, no-store on everything signed-in, trusted proxies, Retry-After on a 429."""

from __future__ import annotations

import re

import pytest
from flask import request

from cxroi.api import tokens
from cxroi.config import ConfigError, settings
from tests.appsupport import PASSWORD

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_a_csrf_token_from_before_login_is_refused_after_it(other_app, cx_user):
    strict = other_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    before = _csrf(client.get("/login").text)
    signed_in = client.post(
        "/login", data={"email": cx_user.email, "password": PASSWORD, "csrf_token": before}
    )
    assert signed_in.status_code == 302
    replayed = client.post("/logout", data={"csrf_token": before})
    assert replayed.status_code == 400
    assert "did not come from this site" in replayed.text
    after = _csrf(client.get("/cases/new").text)
    assert after != before
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302


def test_the_session_cookie_changes_at_login(client, cx_user):
    client.get("/login")
    anonymous = client.get_cookie("session")
    client.post("/login", data={"email": cx_user.email, "password": PASSWORD})
    signed_in = client.get_cookie("session")
    assert signed_in is not None
    assert anonymous is None or anonymous.value != signed_in.value


def test_outside_debug_and_tests_cookies_are_secure_and_hsts_is_sent(monkeypatch):
    monkeypatch.delenv("CXROI_INSECURE_HTTP", raising=False)
    production = settings({"SECRET_KEY": "k"})
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["REMEMBER_COOKIE_SECURE"] is True
    assert production["HSTS"] == "max-age=31536000; includeSubDomains"
    for switch in ({"DEBUG": True}, {"TESTING": True}):
        relaxed = settings({"SECRET_KEY": "k", **switch})
        assert relaxed["SESSION_COOKIE_SECURE"] is False and relaxed["HSTS"] is None
    monkeypatch.setenv("CXROI_INSECURE_HTTP", "1")
    plain = settings({"SECRET_KEY": "k"})
    assert plain["SESSION_COOKIE_SECURE"] is False and plain["HSTS"] is None


def test_a_production_app_sets_secure_cookies_and_hsts(monkeypatch, other_app, cx_user):
    monkeypatch.delenv("CXROI_INSECURE_HTTP", raising=False)
    prod = other_app(TESTING=False)
    response = prod.test_client().post(
        "/login",
        data={"email": cx_user.email, "password": PASSWORD},
        base_url="https://cxroi.example.com",
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_signed_in_downloads_and_api_answers_are_not_stored(client, cx_client, cx_user, make_case):
    case = make_case()
    for url in (
        f"/cases/{case.id}/export.json",
        f"/cases/{case.id}/workbook.xlsx",
        f"/cases/{case.id}",
    ):
        response = cx_client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    token = tokens.create_token(cx_user, "t", "read")[1]
    api = client.get(f"/api/v1/cases/{case.id}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert api.headers["Cache-Control"] == "no-store"


def test_static_files_keep_their_own_caching(client):
    response = client.get("/static/css/app.css")
    response.close()
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize(("proxies", "seen"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_only_trusted_proxies_set_the_client_address(other_app, proxies, seen):
    app = other_app(TRUSTED_PROXIES=proxies)
    app.add_url_rule("/_whoami", "whoami", lambda: request.remote_addr or "")
    response = app.test_client().get(
        "/_whoami",
        headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert response.text == seen


def test_trusted_proxies_must_be_a_small_whole_number(monkeypatch):
    monkeypatch.setenv("CXROI_TRUSTED_PROXIES", "all")
    with pytest.raises(ConfigError, match="CXROI_TRUSTED_PROXIES must be a whole number"):
        settings({"SECRET_KEY": "k", "TESTING": True})


def test_a_429_says_when_to_retry(other_app, cx_user):
    limited = other_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute")
    client = limited.test_client()
    responses = [
        client.post("/login", data={"email": cx_user.email, "password": "x"}) for _ in range(3)
    ]
    assert [r.status_code for r in responses] == [400, 400, 429]
    assert "Retry-After" not in responses[0].headers
    # the oldest hit of the one-minute window was a moment ago (limits rounds the reset up)
    assert 55 <= int(responses[-1].headers["Retry-After"]) <= 61
