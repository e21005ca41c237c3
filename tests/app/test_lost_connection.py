"""A connection the database cuts after the response is made does not turn it into a 500.

The request's session is closed after the view has answered; closing rolls back, and on
a connection PostgreSQL has terminated (a restart, ``pg_terminate_backend``) the rollback
raises. The response already made (a page, or the redirect of a committed save) is sent.
The reliability suite cuts real connections under load; this is the one case, in-process.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from cxroi.extensions import db


def cut_connection_at_next_close(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The next session closed fails as on a terminated connection; records that it did."""
    cut: list[str] = []
    close = Session.close

    def failing_close(self: Session, *args: Any, **kwargs: Any) -> None:
        if not cut:
            cut.append("cut")
            close(self)  # the session is done with; its connection is what failed
            raise OperationalError(
                "ROLLBACK", {}, Exception("terminating connection due to administrator command")
            )
        close(self, *args, **kwargs)

    monkeypatch.setattr(Session, "close", failing_close)
    return cut


def test_the_page_is_sent_when_closing_the_session_fails(
    cx_client: Any, make_case: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = make_case()
    case_id, title = case.id, case.title
    db.session.remove()  # the test's own session is closed before the cut is armed
    cut = cut_connection_at_next_close(monkeypatch)

    response = cx_client.get(f"/cases/{case_id}")

    assert cut == ["cut"]
    assert response.status_code == 200
    assert title in response.text
    assert cx_client.get("/").status_code == 200  # the next request has a working session
