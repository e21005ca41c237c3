"""Fixtures of the API tests: tokens per role and scope, and a JSON client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from cxroi.api import tokens
from cxroi.approvals.steps import take_case_step
from models import Case, User
from tests.app.approvals.conftest import accept_all

JSON = "application/json"
PROBLEM = "application/problem+json"


@pytest.fixture
def make_token() -> Callable[..., str]:
    def make(user: User, scope: str = "write", name: str = "test") -> str:
        return tokens.create_token(user, name, scope)[1]

    return make


class Api:
    """Calls ``/api/v1`` with a bearer token (``token=None``: without one)."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client, self.token = client, token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, **kw: Any) -> TestResponse:
        return self.client.get(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def post(self, path: str, **kw: Any) -> TestResponse:
        return self.client.post(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def put(self, path: str, **kw: Any) -> TestResponse:
        return self.client.put(path, headers=self.headers(kw.pop("headers", None)), **kw)

    def open(self, path: str, method: str, **kw: Any) -> TestResponse:
        return self.client.open(
            path, method=method, headers=self.headers(kw.pop("headers", None)), **kw
        )


@pytest.fixture
def api_as(app: Flask, make_token: Callable[..., str]) -> Callable[..., Api]:
    """``api_as(user, "read")``: a client of the API acting with a new token of ``user``."""

    def make(user: User | None, scope: str = "write") -> Api:
        return Api(app.test_client(), make_token(user, scope) if user else None)

    return make


@pytest.fixture
def cx_api(api_as: Callable[..., Api], cx_user: User) -> Api:
    return api_as(cx_user, "write")


@pytest.fixture
def finance_api(api_as: Callable[..., Api], finance_user: User) -> Api:
    return api_as(finance_user, "write")


def freeze(case: Case, cx: User, finance: User) -> Case:
    """The case submitted, every assumption accepted by finance, signed off: a version."""
    take_case_step(case, "submit", cx)
    accept_all(case, finance)
    take_case_step(case, "sign_off", finance)
    return case


@pytest.fixture
def frozen(make_case: Callable[..., Case], cx_user: User, finance_user: User) -> Case:
    """The example case, frozen as version 1 (status ``ready``), owned by ``cx_user``."""
    return freeze(make_case(), cx_user, finance_user)


def assert_problem(response: TestResponse, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status; its body."""
    assert response.status_code == status, response.text
    assert response.mimetype == PROBLEM, response.headers
    body = response.get_json(force=True)
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    return body
