"""Only administrators manage users; the CLI creates users."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from cxroi.cli import main
from cxroi.extensions import db
from models import User


def test_admin_creates_a_user(admin_client):
    response = admin_client.post(
        "/admin/users",
        data={
            "email": "new@example.com",
            "name": "New",
            "role": "finance",
            "password": "long enough pw",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert user is not None and user.role == "finance"


def test_admin_form_errors_name_the_field_and_keep_input(admin_client):
    response = admin_client.post(
        "/admin/users",
        data={"email": "not-an-email", "name": "Kim", "role": "cx", "password": "short"},
    )
    assert response.status_code == 400
    assert "Enter an email address like name@example.com." in response.text
    assert "at least 10 characters" in response.text
    assert 'value="not-an-email"' in response.text and 'value="Kim"' in response.text


def test_admin_changes_a_role_and_deactivates(admin_client, make_user):
    user = make_user("cx")
    admin_client.post(f"/admin/users/{user.id}", data={"role": "finance", "active": ""})
    db.session.expire_all()
    assert user.role == "finance" and user.active is False


def test_cx_and_finance_get_403_on_user_admin(cx_client, finance_client):
    for client in (cx_client, finance_client):
        response = client.get("/admin/users")
        assert response.status_code == 403
        assert "Only an administrator can manage users." in response.text


def test_cli_create_user_reads_the_password_from_stdin(app, monkeypatch, db_url):
    monkeypatch.setenv("CXROI_DATABASE_URL", db_url)
    result = CliRunner().invoke(
        main,
        ["create-user", "cli@example.com", "--role", "finance", "--password-stdin"],
        input="a long password\n",
    )
    assert result.exit_code == 0, result.output
    assert "created cli@example.com (finance)" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(User.role).where(User.email == "cli@example.com")) == "finance"


def test_cli_create_user_refuses_a_short_password(app, monkeypatch, db_url):
    monkeypatch.setenv("CXROI_DATABASE_URL", db_url)
    result = CliRunner().invoke(
        main, ["create-user", "x@example.com", "--role", "cx", "--password-stdin"], input="short\n"
    )
    assert result.exit_code == 2
    assert "at least 10 characters" in result.output
