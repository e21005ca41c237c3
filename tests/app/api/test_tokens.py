"""Personal API tokens: only their hash kept, scopes, revocation, the profile page, the CLI,
and the rule that a session cookie never authenticates an API call."""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from cxroi.api import tokens
from cxroi.cli import main
from cxroi.extensions import db
from models import ApiToken, AuditEvent, Case
from tests.app.api.conftest import Api, assert_problem
from tests.appsupport import PASSWORD, example_document

TOKEN = re.compile(r"cxroi_[A-Za-z0-9_-]{43}")


def test_only_the_sha256_of_a_token_is_stored(cx_user):
    row, token = tokens.create_token(cx_user, "CI export", "read")
    assert TOKEN.fullmatch(token)
    db.session.expire_all()
    stored = db.session.get(ApiToken, row.id)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    columns = [getattr(stored, c.key) for c in ApiToken.__table__.columns]
    assert token not in [str(v) for v in columns]
    assert (stored.name, stored.scope, stored.user_id) == ("CI export", "read", cx_user.id)
    audit = db.session.query(AuditEvent).filter_by(entity="api_token", action="create").one()
    assert token not in (audit.new or "")


def test_tokens_differ_each_time(cx_user):
    made = {tokens.create_token(cx_user, "t", "read")[1] for _ in range(5)}
    assert len(made) == 5


@pytest.mark.parametrize(
    "name, scope, says",
    [
        ("", "read", "name"),
        ("x" * 81, "read", "80"),
        ("n", "admin", "scope"),
        ("a\x00b", "read", "NUL"),
        ("a\ud800b", "read", "surrogate"),
    ],
)
def test_a_token_needs_a_name_and_a_scope(cx_user, name, scope, says):
    with pytest.raises(tokens.TokenError, match=says):
        tokens.create_token(cx_user, name, scope)


def test_a_read_token_reads_but_cannot_write(api_as, cx_user, make_case):
    case = make_case()
    reader = api_as(cx_user, "read")
    assert reader.get("/api/v1/cases").status_code == 200
    read = reader.get(f"/api/v1/cases/{case.id}")
    assert read.status_code == 200
    body = assert_problem(reader.post("/api/v1/cases", json=example_document()), 403)
    assert body["type"] == "urn:cxroi:problem:read-only-token"
    doc, etag = read.get_json()["document"], read.headers["ETag"]
    doc["title"] = "Changed"
    response = reader.put(f"/api/v1/cases/{case.id}", json=doc, headers={"If-Match": etag})
    assert_problem(response, 403)
    assert db.session.query(Case).count() == 1
    db.session.expire_all()
    assert db.session.get(Case, case.id).title == example_document()["title"]


def test_a_revoked_token_is_refused(api_as, cx_user):
    api = api_as(cx_user, "write")
    assert api.get("/api/v1/cases").status_code == 200
    row = db.session.query(ApiToken).one()
    tokens.revoke_token(cx_user, row.id, owner=cx_user)
    response = api.get("/api/v1/cases")
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_switched_off_account_s_token_is_refused(api_as, cx_user):
    api = api_as(cx_user, "write")
    cx_user.active = False
    db.session.commit()
    assert_problem(api.get("/api/v1/cases"), 401)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer ",
        "Basic Y3g6cHc=",
        "Bearer cxroi_" + "A" * 43,  # well formed, unknown
        "Bearer not-a-token",
        "Token cxroi_abc",
    ],
)
def test_requests_without_a_valid_bearer_token_are_401(client, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/cases", headers=headers)
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="cxroi"')
    assert "token" in body["detail"].lower() or "Bearer" in body["detail"]


def test_the_bearer_scheme_is_case_insensitive(app, cx_user, make_token):
    token = make_token(cx_user, "read")
    response = app.test_client().get("/api/v1/cases", headers={"Authorization": f"bearer {token}"})
    assert response.status_code == 200


def test_a_session_cookie_does_not_authenticate_an_api_call(cx_client):
    assert cx_client.get("/").status_code in (200, 302)  # the cookie works for the web
    assert_problem(cx_client.get("/api/v1/cases"), 401)
    assert_problem(cx_client.post("/api/v1/cases", json=example_document()), 401)
    assert db.session.query(Case).count() == 0


def test_with_a_cookie_and_a_token_the_token_decides(cx_client, finance_user, make_token):
    token = make_token(finance_user, "write")
    response = cx_client.post(
        "/api/v1/cases", json=example_document(), headers={"Authorization": f"Bearer {token}"}
    )
    assert "Only CX users create" in assert_problem(response, 403)["detail"]


def test_the_api_needs_no_csrf_token(other_app, cx_user, make_token):
    app = other_app(WTF_CSRF_ENABLED=True)
    token = make_token(cx_user, "write")
    client = app.test_client()
    response = client.post(
        "/api/v1/cases", json=example_document(), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text
    # ... while the web's forms still need one.
    assert client.post("/login", data={"email": "casey@example.com"}).status_code == 400


def test_last_use_is_recorded(api_as, cx_user):
    api = api_as(cx_user, "read")
    row = db.session.query(ApiToken).one()
    assert row.last_used_at is None
    api.get("/api/v1/cases")
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at is not None


def test_tokens_act_with_their_user_s_role(api_as, make_user):
    finance = api_as(make_user("finance"), "write")
    assert (
        "Only CX users"
        in assert_problem(finance.post("/api/v1/cases", json=example_document()), 403)["detail"]
    )


# -- the profile page ---------------------------------------------------------------------


@pytest.fixture
def csrf_app(other_app):
    return other_app(WTF_CSRF_ENABLED=True)


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def _signed_in(app, user):
    """A browser signed in on an app with CSRF on (the suite's ``login`` has it off)."""
    client = app.test_client()
    csrf = _csrf(client.get("/login").text)
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 302, response.text
    return client


def test_profile_page_makes_a_token_shown_once_and_it_works(csrf_app, cx_user, make_case):
    make_case()
    client = _signed_in(csrf_app, cx_user)
    page = client.get("/profile")
    assert page.status_code == 200
    assert "casey@example.com" in page.text and "You have no API tokens." in page.text
    form = {"name": "Power BI", "scope": "read", "csrf_token": _csrf(page.text)}
    response = client.post("/profile/tokens", data=form)
    assert response.status_code == 201
    shown = TOKEN.findall(response.text)
    assert len(set(shown)) == 1
    token = shown[0]
    assert response.headers["Cache-Control"] == "no-store"
    again = client.get("/profile").text
    assert token not in again and "Power BI" in again and "never" in again
    api = Api(csrf_app.test_client(), token)
    assert api.get("/api/v1/cases").status_code == 200
    assert_problem(api.post("/api/v1/cases", json=example_document()), 403)  # read scope


def test_profile_form_without_csrf_token_makes_nothing(csrf_app, cx_user):
    client = _signed_in(csrf_app, cx_user)
    response = client.post("/profile/tokens", data={"name": "x", "scope": "write"})
    assert response.status_code == 400
    assert db.session.query(ApiToken).count() == 0


def test_profile_form_refuses_a_missing_name(csrf_app, cx_user):
    client = _signed_in(csrf_app, cx_user)
    page = client.get("/profile").text
    response = client.post(
        "/profile/tokens", data={"name": " ", "scope": "write", "csrf_token": _csrf(page)}
    )
    assert response.status_code == 400
    assert "Give the token a name." in response.text
    assert db.session.query(ApiToken).count() == 0


def test_profile_revokes_a_token_after_asking(csrf_app, cx_user, make_token):
    token = make_token(cx_user, "write", name="Nightly sync")
    row = db.session.query(ApiToken).one()
    client = _signed_in(csrf_app, cx_user)
    page = client.get("/profile").text
    assert 'data-confirm="Revoke the token “Nightly sync”?' in page
    assert client.post(f"/profile/tokens/{row.id}/revoke").status_code == 400  # no CSRF
    assert Api(csrf_app.test_client(), token).get("/api/v1/cases").status_code == 200
    response = client.post(f"/profile/tokens/{row.id}/revoke", data={"csrf_token": _csrf(page)})
    assert response.status_code == 302
    assert "revoked" in client.get("/profile").text
    assert_problem(Api(csrf_app.test_client(), token).get("/api/v1/cases"), 401)


def test_nobody_revokes_someone_else_s_token(app, login, cx_user, make_user, make_token):
    other = make_user("cx")
    token = make_token(other, "write")
    row = db.session.query(ApiToken).one()
    response = login(cx_user).post(f"/profile/tokens/{row.id}/revoke")
    assert response.status_code == 404
    assert Api(app.test_client(), token).get("/api/v1/cases").status_code == 200


def test_profile_needs_a_signed_in_user(client):
    assert client.get("/profile").status_code == 302


# -- the command line ---------------------------------------------------------------------


@pytest.fixture
def cli(app, monkeypatch):
    @contextmanager
    def the_test_app():  # the commands' app, already in the test's app context
        yield app

    monkeypatch.setattr("cxroi.app_cli._app", the_test_app)
    return CliRunner()


def test_cli_creates_a_token_printed_once_and_revokes_it(cli, app, cx_user):
    result = cli.invoke(
        main, ["api-token", "create", "Casey@Example.com", "--scope", "write", "--name", "CI"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert TOKEN.fullmatch(token)
    api = Api(app.test_client(), token)
    assert api.post("/api/v1/cases", json=example_document()).status_code == 201

    listed = cli.invoke(main, ["api-token", "list", "casey@example.com"])
    assert listed.exit_code == 0 and "write\tactive" in listed.stdout
    assert token not in listed.stdout

    row_id = db.session.query(ApiToken).one().id
    revoked = cli.invoke(main, ["api-token", "revoke", str(row_id)])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert_problem(api.get("/api/v1/cases"), 401)


@pytest.mark.parametrize(
    "args",
    [
        ["api-token", "create", "nobody@example.com", "--scope", "read"],
        ["api-token", "create", "casey@example.com", "--scope", "read", "--name", " "],
        ["api-token", "revoke", "4242"],
    ],
)
def test_cli_errors_exit_2_with_a_message(cli, cx_user, args):
    result = cli.invoke(main, args)
    assert result.exit_code == 2
    assert "error:" in result.stderr
    assert db.session.query(ApiToken).count() == 0


def test_cli_scope_must_be_read_or_write(cli, cx_user):
    result = cli.invoke(main, ["api-token", "create", "casey@example.com", "--scope", "admin"])
    assert result.exit_code == 2
