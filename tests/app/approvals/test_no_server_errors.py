"""No value typed or forged into an approval form gets a server error."""

from __future__ import annotations

import pytest

from cxroi.approvals.steps import take_case_step
from tests.app.approvals.web import csrf_from, sign_in
from tests.approving import send_approve_link

NASTY = ["", " ", "0", "-1", "1e309", "NaN", "x" * 5000, "<script>", "'; DROP TABLE x;--", "é☃"]


@pytest.mark.parametrize("value", NASTY)
def test_signed_in_forms_answer_without_a_server_error(app, case, users, value):
    take_case_step(case, "submit", users["cx"])
    fin = sign_in(app, users["finance"])
    token = csrf_from(fin.get(f"/cases/{case.id}/review").text)
    posts = [
        (f"/cases/{case.id}/assumptions/arpu/review", {"verdict": value, "comment": value}),
        (f"/cases/{case.id}/assumptions/{value or 'x'}/review", {"verdict": "accepted"}),
        (f"/cases/{case.id}/comments", {"body": value, "assumption_key": value}),
        (f"/cases/{case.id}/comments/{value or '0'}/reply", {"body": value}),
        (f"/cases/{case.id}/comments/999/resolve", {"resolved": value}),
        (f"/cases/{case.id}/steps/{value or 'x'}", {"note": value}),
        (
            f"/cases/{case.id}/links",
            {
                "recipient_name": value,
                "recipient_email": value,
                "scope": value,
                "expires_in_days": value,
            },
        ),
        (f"/cases/{case.id}/links/{value or '0'}/revoke", {}),
    ]
    for url, data in posts:
        response = fin.post(url, data={**data, "csrf_token": token})
        assert response.status_code < 500, (url, value, response.status_code)
    for url in (
        f"/cases/{case.id}/versions?old={value}&new={value}",
        f"/cases/{case.id}/versions/{value or '0'}.json",
    ):
        assert fin.get(url).status_code < 500, url


@pytest.mark.parametrize("value", NASTY)
def test_the_sponsor_form_answers_without_a_server_error(app, ready_case, users, value):
    _, link_token = send_approve_link(ready_case, users["cx"])
    sponsor = app.test_client()
    token = csrf_from(sponsor.get("/login").text)
    for decision in (value, "reject", "approve"):
        response = sponsor.post(
            f"/s/{link_token}/decision",
            data={
                "csrf_token": token,
                "decision": decision,
                "name": value,
                "comment": value,
                "version_hash": value,
                "code": value,
            },
            headers={"User-Agent": value},
        )
        assert response.status_code < 500, (decision, value, response.status_code)
    assert sponsor.get(f"/s/{value or 'x'}").status_code in (404, 405, 308)
