"""Errors tell the truth: the app's own page even while the database fails, and probes.

Part of issue 10: the error handler rolls back and renders without asking the database
who is signed in; ``/livez`` reports the process, ``/readyz`` the database (503 when down).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cxroi.extensions import db
from tests.appsupport import make_app

#: Nothing listens on port 9 of the loopback: every connection is refused at once.
DEAD_DATABASE = "postgresql+psycopg://nobody:nothing@127.0.0.1:9/none"


@pytest.fixture
def dead_app():
    app = make_app(DEAD_DATABASE, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_failed_statement_is_rolled_back_and_the_next_request_works(
    cx_client, make_case, monkeypatch
):
    make_case()

    def broken_query(*args, **kwargs):
        db.session.execute(text("SELECT * FROM no_such_table"))

    monkeypatch.setattr("cxroi.portfolio.services.portfolio_page", broken_query)
    response = cx_client.get("/")
    assert response.status_code == 500
    assert "The database could not be reached or refused the request" in response.text
    assert "<h1>Something went wrong</h1>" in response.text
    monkeypatch.undo()
    assert cx_client.get("/").status_code == 200  # the session was rolled back


def test_while_the_database_is_down_users_get_the_apps_page_not_a_bare_500(
    app, cx_client, dead_app
):
    cookie = cx_client.get_cookie("session")
    assert cookie is not None
    client = dead_app.test_client()
    client.set_cookie("session", cookie.value)
    response = client.get("/")
    assert response.status_code == 500
    assert "The database could not be reached" in response.text
    assert 'href="/static/css/app.css' in response.text  # the app's own page, styled


def test_livez_reports_the_process_and_readyz_the_database(client, dead_app):
    assert client.get("/livez").text == "ok\n"
    assert client.get("/readyz").status_code == 200
    dead = dead_app.test_client()
    assert dead.get("/livez").status_code == 200
    response = dead.get("/readyz")
    assert response.status_code == 503
    assert response.text == "database unavailable\n"
