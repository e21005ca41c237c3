"""Accounts, passwords, login and a logout that really ends the session."""

from __future__ import annotations

from sqlalchemy import select

from cxroi.auth.services import authenticate, hash_password
from cxroi.extensions import db
from models import AuditEvent, User
from tests.appsupport import PASSWORD


def test_passwords_are_stored_as_argon2id_hashes(cx_user):
    assert cx_user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in cx_user.password_hash


def test_production_hash_parameters_are_argon2id_defaults(app):
    with app.app_context():
        app.config["PASSWORD_HASH"], saved = {}, app.config["PASSWORD_HASH"]
        try:
            assert hash_password("x" * 12).startswith("$argon2id$v=19$m=65536,t=3")
        finally:
            app.config["PASSWORD_HASH"] = saved


def test_login_with_the_right_password_goes_to_the_portfolio(client, cx_user):
    response = client.post("/login", data={"email": "CASEY@example.com ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_wrong_password_says_so_and_keeps_the_email(client, cx_user):
    response = client.post("/login", data={"email": cx_user.email, "password": "nope"})
    assert response.status_code == 400
    assert "The email address or password is not right." in response.text
    assert f'value="{cx_user.email}"' in response.text


def test_empty_login_names_each_missing_field(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert "Enter your email address." in response.text
    assert "Enter your password." in response.text


def test_unknown_email_and_deactivated_user_cannot_sign_in(app, cx_user):
    assert authenticate("nobody@example.com", PASSWORD) is None
    cx_user.active = False
    db.session.commit()
    assert authenticate(cx_user.email, PASSWORD) is None


def test_pages_need_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_does_not_redirect_to_another_site(client, cx_user):
    response = client.post(
        "/login?next=//evil.example.com/", data={"email": cx_user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_a_cookie_captured_before_logout_no_longer_works_after_it(app, cx_client):
    assert cx_client.get("/cases/new").status_code == 200
    captured = cx_client.get_cookie("session").value
    assert cx_client.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", captured)
    response = replay.get("/cases/new")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_login_and_logout_are_in_the_audit_trail(cx_client, cx_user):
    cx_client.post("/logout")
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.entity == "user", AuditEvent.entity_id == cx_user.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["create", "login", "logout"]


def test_login_is_rate_limited(other_app, cx_user):
    limited = other_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = limited.test_client()
    codes = [
        client.post("/login", data={"email": cx_user.email, "password": "x"}).status_code
        for _ in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def test_csrf_is_required_on_posts(other_app, cx_user):
    strict = other_app(WTF_CSRF_ENABLED=True)
    response = strict.test_client().post(
        "/login", data={"email": cx_user.email, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "The form had expired or did not come from this site" in response.text


def test_user_count(app, make_user):
    make_user("finance")
    assert db.session.scalar(select(User).where(User.role == "finance")) is not None
