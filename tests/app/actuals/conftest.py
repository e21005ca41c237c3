"""An approved case (the contact-centre example, through the real approval flow)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from cxroi.extensions import db
from models import Case, User
from tests.app.api.conftest import Api, api_as, freeze, make_token
from tests.approving import approve_case

__all__ = ["Api", "api_as", "make_token"]  # the API fixtures, shared


@pytest.fixture(autouse=True)
def _outbox(app: Flask, tmp_path: Any) -> Any:
    saved = app.config["MAIL_OUTBOX"], app.config["SMTP_URL"]
    app.config["MAIL_OUTBOX"], app.config["SMTP_URL"] = str(tmp_path / "outbox"), None
    yield
    app.config["MAIL_OUTBOX"], app.config["SMTP_URL"] = saved


@pytest.fixture
def approved(make_case: Callable[..., Case], cx_user: User, finance_user: User) -> Case:
    case = freeze(make_case(), cx_user, finance_user)
    approve_case(case, finance_user)
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case is not None and case.status == "approved"
    return case
