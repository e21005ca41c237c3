"""Errors tell the truth: the app's own page even while the database fails, and probes.

Part of issue 10: the error handler rolls back and renders without asking the database
who is signed in; ``/livez`` reports the process, ``/readyz`` the database (503 when down).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

import cxroi.api.views as views
from cxroi.api.tokens import create_token
from cxroi.extensions import db
from tests.appsupport import example_document, make_app

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


#: Redis's port on the loopback, and a database number of our own (the brief's: 3).
LIVE_REDIS = "redis://127.0.0.1:6379/3"


def test_readyz_checks_redis_when_one_is_configured(other_app):
    dead = other_app(REDIS_URL="redis://127.0.0.1:9/0").test_client()
    response = dead.get("/readyz")
    assert response.status_code == 503
    assert response.text == "redis unavailable\n"
    assert dead.get("/livez").status_code == 200


def test_readyz_is_ready_with_a_live_redis(other_app):
    import redis

    try:
        redis.Redis.from_url(LIVE_REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379: apt-get install redis-server")
    assert other_app(REDIS_URL=LIVE_REDIS).test_client().get("/readyz").text == "ok\n"


def test_readyz_names_both_when_the_database_and_redis_are_down():
    app = make_app(DEAD_DATABASE, REDIS_URL="redis://127.0.0.1:9/0",
                   SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False})  # fmt: skip
    try:
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.text == "database unavailable\nredis unavailable\n"
    finally:
        with app.app_context():
            db.engine.dispose()


def test_redis_url_is_read_from_the_environment(monkeypatch):
    from cxroi.config import redis_url, settings

    monkeypatch.delenv("CXROI_REDIS_URL", raising=False)
    assert redis_url() is None
    monkeypatch.setenv("CXROI_REDIS_URL", " redis://127.0.0.1:6379/3 ")
    assert redis_url() == "redis://127.0.0.1:6379/3"
    assert settings({"TESTING": True})["REDIS_URL"] == "redis://127.0.0.1:6379/3"


def test_an_api_error_after_a_commit_does_not_say_nothing_was_saved(app, cx_user, monkeypatch):
    token = create_token(cx_user, "t", "write")[1]
    real = views.casefiles.create_from_document

    def create_then_break(*args, **kwargs):
        real(*args, **kwargs)  # commits
        raise RuntimeError("the answer could not be built")

    monkeypatch.setattr(views.casefiles, "create_from_document", create_then_break)
    response = app.test_client().post(
        "/api/v1/cases", json=example_document(), headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 500
    assert "after your change was saved" in response.json["detail"]
