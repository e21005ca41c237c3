"""Notifications by mail (issue 14, item 7): review requested, challenge raised or
answered, decision received; each person chooses each mail or a daily digest."""

from __future__ import annotations

from html import unescape

from click.testing import CliRunner
from sqlalchemy import func, select

from cxroi import mail, notify
from cxroi.approvals import review
from cxroi.approvals.steps import take_case_step
from cxroi.cli import main
from cxroi.extensions import db
from models import Notification
from tests.app.approvals.conftest import accept_all
from tests.approving import approve_case, newest_mail


def _mails_to(email: str) -> list[mail.StoredMail]:
    return [m for m in mail.outbox() if email in m.to]


def _cli(app, db_url, monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    """``cxroi ARGS`` on the test database and outbox."""
    monkeypatch.setenv("CXROI_DATABASE_URL", db_url)
    monkeypatch.setenv("CXROI_MAIL_OUTBOX", app.config["MAIL_OUTBOX"])
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result


def _rows(user, kind: str | None = None) -> list[Notification]:
    stmt = select(Notification).where(Notification.user_id == user.id)
    if kind:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def test_sending_a_case_to_review_tells_finance_at_once(
    cx_client, make_case, finance_user, make_user
) -> None:
    case = make_case()
    other_finance = make_user("finance", "felix@example.com", "Felix")
    before = len(_mails_to(finance_user.email))
    response = cx_client.post(f"/cases/{case.id}/steps/submit")
    assert response.status_code in (302, 303)
    for person in (finance_user, other_finance):
        rows = _rows(person, "review_requested")
        assert len(rows) == 1 and rows[0].mailed_at is not None
        assert rows[0].link == f"/cases/{case.id}/review"
    message = newest_mail(finance_user.email, "cxroi: ")
    assert f'"{case.title}" is waiting for finance review' in message.subject
    assert f"/cases/{case.id}/review" in message.body
    assert len(_mails_to(finance_user.email)) == before + 1
    assert _rows(case.owner) == []  # who acted is not told


def test_a_refused_step_tells_nobody(finance_client, make_case, finance_user) -> None:
    case = make_case()
    assert finance_client.post(f"/cases/{case.id}/steps/submit").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_a_daily_digest_gathers_everything_in_one_mail(
    app, db_url, monkeypatch, login, cx_client, make_case, finance_user
) -> None:
    finance = login(finance_user)
    assert finance.post("/profile/notifications", data={"mode": "daily"}).status_code == 302
    assert notify.mode_of(finance_user) == "daily"
    first, second = make_case(title="First"), make_case(title="Second")
    before = len(_mails_to(finance_user.email))
    for case in (first, second):
        cx_client.post(f"/cases/{case.id}/steps/submit")
    assert len(_mails_to(finance_user.email)) == before  # nothing at once
    assert all(r.mailed_at is None for r in _rows(finance_user))
    result = _cli(app, db_url, monkeypatch, "notify", "send", "--digest")
    assert "1 digest(s) sent" in result.output
    assert len(_mails_to(finance_user.email)) == before + 1
    digest = newest_mail(finance_user.email, "cxroi daily digest")
    assert digest.subject == "cxroi daily digest: 2 things"
    assert '"First" is waiting' in digest.body and '"Second" is waiting' in digest.body
    assert all(r.mailed_at is not None for r in _rows(finance_user))
    again = _cli(app, db_url, monkeypatch, "notify", "send", "--digest")
    assert "0 digest(s) sent" in again.output  # nothing twice
    page = unescape(finance.get("/profile").text)
    assert '<input checked id="mode-1" name="mode" type="radio" value="daily">' in page


def test_an_unknown_mode_is_refused_and_changes_nothing(login, finance_user) -> None:
    finance = login(finance_user)
    response = finance.post("/profile/notifications", data={"mode": "hourly"})
    assert response.status_code == 303
    assert notify.mode_of(finance_user) == "immediate"
    page = finance.get(response.headers["Location"]).text
    assert "Notifications (mode)" in unescape(page)


def test_a_challenge_and_its_answer_reach_the_other_side(
    make_case, cx_user, finance_user, login
) -> None:
    case = make_case()
    take_case_step(case, "submit", cx_user)
    item = review.items_of(case)[0]
    review.review_item(case, item.id, "challenged", finance_user, "Where is this from?")
    (challenge,) = _rows(cx_user, "challenge")
    assert "Where is this from?" in challenge.body
    assert challenge.subject.startswith(f"{finance_user.display_name} challenged")
    roots = [t for group in review.threads(case).values() for t in group]
    thread = next(t for t in roots if t.kind == "challenge")
    review.reply(case, thread.id, cx_user, "The 2025 exit survey.")
    (answer,) = _rows(finance_user, "reply")
    assert "The 2025 exit survey." in answer.body
    assert _rows(cx_user, "reply") == []  # not told of their own answer
    # Both see them on "What awaits me" until they mark them read.
    cx = login(cx_user)
    page = unescape(cx.get("/awaiting").text)
    assert "Challenge raised" in page and challenge.subject in page
    assert cx.post("/awaiting/read").status_code == 302
    assert challenge.subject not in unescape(cx.get("/awaiting").text)


def test_a_decision_reaches_the_owner_and_the_finance_signer(
    app, db_url, monkeypatch, make_case, cx_user, finance_user
) -> None:
    case = make_case()
    take_case_step(case, "submit", cx_user)
    accept_all(case, finance_user)
    take_case_step(case, "sign_off", finance_user)
    approve_case(case, cx_user)
    for person in (cx_user, finance_user):
        (row,) = _rows(person, "decision")
        assert row.subject == f'"{case.title}": approved by {row.subject.split(" by ")[-1]}'
        assert "approved" in row.body and "version 1" in row.body
    # Made outside a request (the service): mailed by `cxroi notify send`.
    result = _cli(app, db_url, monkeypatch, "notify", "send")
    # the two decisions, and the review request the (service) submit made for finance
    assert "3 notification mail(s) sent" in result.output
    assert newest_mail(cx_user.email, "cxroi: ").subject.endswith(
        _rows(cx_user, "decision")[0].subject
    )
